"""Segment files of the training-rows cache: immutable, compressed, one per cycle (or merge).

A segment holds the feature rows (rounds >= 4) featurized from the log positions (after, until]
and a table of the games that had a round there, each keyed by the position of its GameStarted.
It is written to a hidden temporary file, synced and renamed, so a name in the directory is a
whole file; the cache's checkpoint lists the segments that count (rowcache.py). Features stay
float64: the policy replays score the recorded round values from them, exactly.
"""

from __future__ import annotations

import os
import re
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from shared.features import FEATURE_COUNT

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.str_]

_NAME = re.compile(r"^rows-\d{12}-\d{12}-[0-9a-f]{8}\.npz$")
_TEMPORARY = re.compile(r"^\.rows-.*\.tmp$")


class SegmentError(Exception):
    """A segment file is missing or unreadable: the cache must be rebuilt."""


@dataclass(frozen=True, slots=True)
class Segment:
    """A segment file as the checkpoint lists it."""

    name: str
    after: int  # log positions (after, until] were folded into it
    until: int
    rows: int
    newest_start_us: int  # the latest start (µs since the epoch) of a game in it

    def to_json(self) -> list[object]:
        return [self.name, self.after, self.until, self.rows, self.newest_start_us]

    @classmethod
    def from_json(cls, value: list[Any]) -> Segment:
        name, after, until, rows, newest = value
        return cls(name, after, until, rows, newest)


@dataclass(frozen=True, slots=True)
class Rows:
    """Feature rows and the games they belong to; the arrays a segment file holds."""

    features: FloatArray  # [n, 50]
    labels: IntArray  # [n]
    round_no: IntArray  # [n]
    positions: IntArray  # [n], the log position of each row's RoundPlayed
    game: IntArray  # [n], the game's key (its GameStarted position)
    game_keys: IntArray  # [g] the games with a round in these positions
    game_started_us: IntArray  # [g]
    game_ids: StrArray  # [g]

    @property
    def size(self) -> int:
        return int(self.labels.shape[0])

    @classmethod
    def empty(cls) -> Rows:
        ints = np.zeros(0, dtype=np.int64)
        return cls(
            np.zeros((0, FEATURE_COUNT)), ints, ints, ints, ints, ints, ints, np.zeros(0, dtype=np.str_)
        )

    @classmethod
    def concat(cls, parts: Iterable[Rows]) -> Rows:
        """The parts' rows in order; a game in several parts is listed once."""
        items = [cls.empty(), *parts]
        return cls(
            np.concatenate([p.features for p in items]),
            np.concatenate([p.labels for p in items]),
            np.concatenate([p.round_no for p in items]),
            np.concatenate([p.positions for p in items]),
            np.concatenate([p.game for p in items]),
            *games_of(items),
        )


def games_of(parts: Iterable[Rows]) -> tuple[IntArray, IntArray, StrArray]:
    """The game table (keys, starts, ids) of all the parts, each game once, by key."""
    items = [Rows.empty(), *parts]
    keys, first = np.unique(np.concatenate([p.game_keys for p in items]), return_index=True)
    started = np.concatenate([p.game_started_us for p in items])[first]
    return keys, started, np.concatenate([p.game_ids for p in items])[first]


def write_segment(directory: Path, after: int, until: int, rows: Rows) -> Segment:
    """Write `rows` as a new segment file: temporary name, fsync, rename."""
    name = f"rows-{after:012d}-{until:012d}-{uuid.uuid4().hex[:8]}.npz"
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".{name}.tmp"
    with temporary.open("wb") as file:
        np.savez_compressed(
            file,
            features=rows.features,
            labels=rows.labels,
            round_no=rows.round_no,
            positions=rows.positions,
            game=rows.game,
            game_keys=rows.game_keys,
            game_started_us=rows.game_started_us,
            game_ids=rows.game_ids,
        )
        file.flush()
        os.fsync(file.fileno())
    temporary.replace(directory / name)
    newest = int(rows.game_started_us.max()) if rows.game_keys.size else 0
    return Segment(name, after, until, rows.size, newest)


def read_segment(directory: Path, segment: Segment, *, features: bool = True) -> Rows:
    """A segment's arrays (without the feature matrix if `features` is False: the rest is small)."""
    try:
        with np.load(directory / segment.name, allow_pickle=False) as data:
            labels = data["labels"]
            matrix = data["features"] if features else np.zeros((labels.shape[0], 0))
            rows = Rows(
                matrix,
                labels,
                data["round_no"],
                data["positions"],
                data["game"],
                data["game_keys"],
                data["game_started_us"],
                data["game_ids"],
            )
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise SegmentError(f"segment {segment.name}: {exc}") from exc
    if rows.size != segment.rows or (features and rows.features.shape != (segment.rows, FEATURE_COUNT)):
        raise SegmentError(f"segment {segment.name}: {rows.size} rows, the checkpoint says {segment.rows}")
    return rows


def read_features(directory: Path, segment: Segment) -> FloatArray:
    """Only the segment's feature matrix."""
    try:
        with np.load(directory / segment.name, allow_pickle=False) as data:
            matrix: FloatArray = data["features"]
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise SegmentError(f"segment {segment.name}: {exc}") from exc
    if matrix.shape != (segment.rows, FEATURE_COUNT):
        raise SegmentError(f"segment {segment.name}: features of shape {matrix.shape}")
    return matrix


def remove_unlisted(directory: Path, keep: Iterable[Segment]) -> None:
    """Delete the segment files (and temporary files) that `keep` does not list; nothing else."""
    if not directory.is_dir():
        return
    names = {s.name for s in keep}
    for path in directory.iterdir():
        if (_NAME.match(path.name) and path.name not in names) or _TEMPORARY.match(path.name):
            path.unlink(missing_ok=True)
