"""The trainer's training-rows cache: an incremental reader of the log (DESIGN §5).

Each cycle reads only the game events after its checkpoint, featurizes only the rounds that are
new (a round's features depend only on its game's earlier rounds: shared.features.build_dataset
over the game's history, keeping the new rounds) and writes them as one segment file
(segments.py). The checkpoint `trainer.rows` (shared/events/checkpoints.py) saves, with the
position, what the next cycle needs: the segment list and the compact history of the games still
open. Files first, then the checkpoint: a crash between them leaves unlisted files, which are
ignored and deleted after the next save.

The rules are those of a read of the whole window: games flagged is_test are skipped, a game
takes its rounds 1..n in order and stops at the first gap or duplicate (keeping the rounds
before it), a finished game takes no more rounds, and games started before the window are
dropped (open ones leave the state, segments holding only such games are deleted). Reading the
window loads the segments and keeps the rows of games started in it, oldest game first.

A missing or unreadable segment, another feature contract, or a window reaching further back than
the cache covers makes it rebuild from the window's start (position_at), in steps of
defaults.BUILD_STEP_EVENTS positions, each saved, so a long first build resumes where it stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from services.trainer import defaults
from services.trainer.dataset import IntArray, TrainingData
from services.trainer.segments import (
    Rows,
    Segment,
    SegmentError,
    games_of,
    read_features,
    read_segment,
    remove_unlisted,
    write_segment,
)
from shared.events import (
    GAME_EVENT_TYPES,
    CheckpointConflictError,
    Event,
    EventStore,
    GameFinished,
    GameStarted,
    RoundPlayed,
)
from shared.features import FEATURE_CONTRACT_HASH, FEATURE_COUNT, MOVES, Dataset, GameRounds, build_dataset

log = logging.getLogger(__name__)

CHECKPOINT = "trainer.rows"
FORMAT = 1  # of the checkpoint state and the segment files; another one rebuilds the cache
# Writers' clocks may disagree a little: a (re)build reads the log from this long before the window.
CLOCK_SKEW_MARGIN = timedelta(hours=1)
CONFLICT_RETRIES = 3
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(moment: datetime) -> int:
    """Microseconds since the epoch, exactly."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


@dataclass(slots=True)
class OpenGame:
    """A game that may still get rounds: its history so far (moves as MOVES indices, values in tenths)."""

    game_id: str
    key: int  # the position of its GameStarted
    started_us: int
    user_moves: list[int] = field(default_factory=list)
    bot_moves: list[int] = field(default_factory=list)
    points_tenths: list[list[int]] = field(default_factory=list)
    # Within a cycle: rounds featurized before it, the new rounds' positions, no more rounds to come.
    done: int = 0
    new_positions: list[int] = field(default_factory=list)
    closed: bool = False

    def rounds(self) -> GameRounds:
        return GameRounds(
            user_moves=np.array(self.user_moves, dtype=np.int64),
            bot_moves=np.array(self.bot_moves, dtype=np.int64),
            points_tenths=np.array(self.points_tenths, dtype=np.int64).reshape(-1, 3),
        )

    def to_json(self) -> list[object]:
        return [self.game_id, self.key, self.started_us, self.user_moves, self.bot_moves, self.points_tenths]

    @classmethod
    def from_json(cls, value: list[Any]) -> OpenGame:
        game_id, key, started_us, users, bots, points = value
        return cls(game_id, key, started_us, users, bots, points, done=len(users))


@dataclass(slots=True)
class CacheState:
    """What the checkpoint saves beside its position."""

    complete_since_us: int  # every game started at or after this is in the cache
    segments: list[Segment] = field(default_factory=list)
    open_games: dict[str, OpenGame] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            {
                "format": FORMAT,
                "contract": FEATURE_CONTRACT_HASH,
                "complete_since_us": self.complete_since_us,
                "segments": [s.to_json() for s in self.segments],
                "open": [g.to_json() for g in self.open_games.values()],
            }
        )

    @classmethod
    def from_bytes(cls, state: bytes) -> CacheState | None:
        """The saved state, or None when there is none or it is of another format or contract."""
        try:
            value = orjson.loads(state) if state else {}
            if value.get("format") != FORMAT or value.get("contract") != FEATURE_CONTRACT_HASH:
                return None
            games = [OpenGame.from_json(g) for g in value["open"]]
            return cls(
                complete_since_us=int(value["complete_since_us"]),
                segments=[Segment.from_json(s) for s in value["segments"]],
                open_games={g.game_id: g for g in games},
            )
        except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True, slots=True)
class Cycle:
    """The cache after an update: its state and position, and what the update read and featurized."""

    state: CacheState
    position: int
    events: int = 0
    rows: int = 0
    rebuilt: bool = False


def fold(state: CacheState, events: Iterable[Event], since_us: int) -> tuple[list[OpenGame], int]:
    """Add the events' rounds to the open games; (the games with new rounds, events read)."""
    touched: dict[str, OpenGame] = {}
    count = 0
    for event in events:
        count += 1
        game_id, payload = event.aggregate_id, event.payload
        if isinstance(payload, GameStarted):
            started_us = to_us(event.occurred_at)
            if not payload.is_test and started_us >= since_us:
                state.open_games[game_id] = OpenGame(game_id, event.position or 0, started_us)
            continue
        game = state.open_games.get(game_id)
        if game is None or game.closed:
            continue
        if isinstance(payload, GameFinished):
            game.closed = True
        elif isinstance(payload, RoundPlayed):
            if payload.round_no != len(game.user_moves) + 1:
                game.closed = True  # a gap or a round out of order: keep the rounds before it
                continue
            game.user_moves.append(MOVES.index(payload.user_move))
            game.bot_moves.append(MOVES.index(payload.bot_move))
            game.points_tenths.append([round(payload.points[m] * 10) for m in MOVES])
            game.new_positions.append(event.position or 0)
            touched[game_id] = game
    return list(touched.values()), count


def featurize(games: list[OpenGame]) -> Rows:
    """The rows of the games' new rounds (their earlier rounds give the history, not rows)."""
    if not games:
        return Rows.empty()
    dataset = build_dataset([g.rounds() for g in games])
    done = np.array([g.done for g in games], dtype=np.int64)
    new = np.array([len(g.new_positions) for g in games], dtype=np.int64)
    first_new = np.cumsum(new) - new
    positions = np.array([p for g in games for p in g.new_positions], dtype=np.int64)
    keys = np.array([g.key for g in games], dtype=np.int64)
    game, round_no = dataset.game_index, dataset.round_no
    keep = round_no > done[game]
    game, round_no = game[keep], round_no[keep]
    return Rows(
        features=dataset.features[keep],
        labels=dataset.labels[keep],
        round_no=round_no,
        positions=positions[first_new[game] + round_no - done[game] - 1],
        game=keys[game],
        game_keys=keys,
        game_started_us=np.array([g.started_us for g in games], dtype=np.int64),
        game_ids=np.array([g.game_id for g in games], dtype=np.str_),
    )


def merge_tail(directory: Path, segments: list[Segment], limit: int) -> list[Segment]:
    """Merge the newest segments while the one before the last is at most twice the last (and the
    merge stays within `limit` rows): O(log n) segments, each row rewritten O(log n) times."""
    merged = list(segments)
    while len(merged) >= 2:
        before, last = merged[-2], merged[-1]
        if before.rows > 2 * last.rows or before.rows + last.rows > limit:
            break
        rows = Rows.concat([read_segment(directory, before), read_segment(directory, last)])
        merged[-2:] = [write_segment(directory, before.after, last.until, rows)]
    return merged


def newest_within(order: IntArray, keys: IntArray, row_game: IntArray, max_rows: int) -> IntArray:
    """The newest games of `order` (game indices, oldest first) whose rows (each row's game key in
    `row_game`) add up to at most `max_rows`, still oldest first."""
    row_keys, counts = np.unique(row_game, return_counts=True)
    at = np.minimum(np.searchsorted(row_keys, keys[order]), max(row_keys.size - 1, 0))
    rows = np.where(row_keys[at] == keys[order], counts[at], 0) if row_keys.size else np.zeros(order.size)
    newest_first = np.cumsum(rows[::-1])
    kept = int((newest_first <= max_rows).sum())
    if kept < order.size:
        log.info("training data capped at %d rows: the newest %d of %d games", max_rows, kept, order.size)
    return order[order.size - kept :]


class RowsCache:
    """The cache in `directory` over `store`'s log; one writer at a time (the worker runs one job)."""

    def __init__(
        self,
        store: EventStore,
        directory: Path,
        segment_rows: int = defaults.SEGMENT_ROWS,
        build_step: int = defaults.BUILD_STEP_EVENTS,
    ) -> None:
        self.store = store
        self.directory = directory
        self.segment_rows = segment_rows
        self.build_step = build_step

    def training_data(self, window_days: int, now: datetime, max_rows: int | None = None) -> TrainingData:
        """Update the cache, then read the last `window_days` days (at most `max_rows` rows, of the
        newest games); an unreadable segment rebuilds it once."""
        since = now - timedelta(days=window_days)
        try:
            return self.read(self._logged(self.update(since)), since, now, max_rows)
        except SegmentError as exc:
            log.warning("training-rows cache unreadable, rebuilding it: %s", exc)
        self.store.checkpoints.reset(CHECKPOINT)
        return self.read(self._logged(self.update(since)), since, now, max_rows)

    @staticmethod
    def _logged(cycle: Cycle) -> Cycle:
        built = "built" if cycle.rebuilt else "updated"
        log.info(
            "training-rows cache %s to position %d: %d events read, %d new rows",
            built,
            cycle.position,
            cycle.events,
            cycle.rows,
        )
        return cycle

    def update(self, since: datetime) -> Cycle:
        """Fold the game events up to the log's stable head (games started before `since` are dropped)."""
        for _ in range(CONFLICT_RETRIES):
            try:
                return self._update(to_us(since))
            except CheckpointConflictError as exc:
                log.info("training-rows checkpoint moved under us, reading again: %s", exc)
        return self._update(to_us(since))

    def _update(self, since_us: int) -> Cycle:
        checkpoint = self.store.checkpoints.load(CHECKPOINT)
        expected = position = checkpoint.position
        state = self._usable(CacheState.from_bytes(checkpoint.state), position, since_us)
        rebuilt = state is None
        if state is None:
            state = CacheState(complete_since_us=since_us)
            position = self.store.position_at(_EPOCH + timedelta(microseconds=since_us) - CLOCK_SKEW_MARGIN)
            log.info("building the training-rows cache from log position %d", position)
        head = self.store.checkpoints.stable_head(position)
        events = rows = 0
        while position < head:
            until = min(head, position + self.build_step)
            read, added = self._cycle(state, position, until, since_us, expected)
            expected = position = until
            events, rows = events + read, rows + added
        if any(s.newest_start_us < since_us for s in state.segments):
            self._cycle(state, position, position, since_us, expected)  # nothing new: only the pruning
        return Cycle(state, position, events, rows, rebuilt)

    def _usable(self, state: CacheState | None, position: int, since_us: int) -> CacheState | None:
        """The saved state if the cache can go on from it (the same log, its files there, the window
        covered), else None."""
        if state is None or since_us < state.complete_since_us or self.store.head_position() < position:
            return None
        if not all((self.directory / s.name).is_file() for s in state.segments):
            return None
        return state

    def _cycle(
        self, state: CacheState, after: int, until: int, since_us: int, expected: int
    ) -> tuple[int, int]:
        """Fold (after, until], write its segment, save the checkpoint; (events read, rows added)."""
        events = self.store.iter_events(GAME_EVENT_TYPES, after_position=after, until_position=until)
        touched, read = fold(state, events, since_us)
        touched = [g for g in touched if g.started_us >= since_us]
        rows = featurize(touched)
        segments = [s for s in state.segments if s.newest_start_us >= since_us]
        if touched:
            segment = write_segment(self.directory, after, until, rows)
            segments = merge_tail(self.directory, [*segments, segment], self.segment_rows)
        for game in touched:
            game.done, game.new_positions = len(game.user_moves), []
        state.open_games = {
            k: g for k, g in state.open_games.items() if not g.closed and g.started_us >= since_us
        }
        state.segments = segments
        state.complete_since_us = max(state.complete_since_us, since_us)
        self.store.checkpoints.save(CHECKPOINT, until, state.to_bytes(), expected_position=expected)
        remove_unlisted(self.directory, segments)
        return read, rows.size

    def read(self, cycle: Cycle, since: datetime, now: datetime, max_rows: int | None = None) -> TrainingData:
        """The rows of the games started at or after `since` (only the newest of them if there are
        more than `max_rows` rows), oldest game first, each game's in round order: the feature
        matrix is filled one segment at a time, so the peak is the result plus one segment."""
        segments = cycle.state.segments
        tables = [read_segment(self.directory, s, features=False) for s in segments]
        keys, started, ids = games_of(tables)

        def column(name: str) -> IntArray:
            return np.concatenate([np.zeros(0, dtype=np.int64), *(getattr(t, name) for t in tables)])

        row_game = column("game")
        chosen = np.flatnonzero(started >= to_us(since))
        order = chosen[np.lexsort((keys[chosen], started[chosen]))]
        if max_rows is not None:
            order = newest_within(order, keys, row_game, max_rows)
        by_key = np.argsort(keys[order])
        sorted_keys = keys[order][by_key]
        if sorted_keys.size:
            found = np.minimum(np.searchsorted(sorted_keys, row_game), sorted_keys.size - 1)
            keep = sorted_keys[found] == row_game
        else:
            found, keep = row_game, np.zeros(row_game.size, dtype=bool)
        game_index = by_key[found[keep]]
        round_no = column("round_no")[keep]
        rows_order = np.lexsort((round_no, game_index))
        destination = np.empty(rows_order.size, dtype=np.int64)
        destination[rows_order] = np.arange(rows_order.size)

        features = np.empty((rows_order.size, FEATURE_COUNT))
        start = taken = 0
        for segment in segments:
            segment_keep = keep[start : start + segment.rows]
            count = int(segment_keep.sum())
            if count:
                features[destination[taken : taken + count]] = read_features(self.directory, segment)[
                    segment_keep
                ]
            start, taken = start + segment.rows, taken + count
        return TrainingData(
            dataset=Dataset(
                features=features,
                labels=column("labels")[keep][rows_order],
                game_index=game_index[rows_order],
                round_no=round_no[rows_order],
            ),
            game_ids=tuple(str(g) for g in ids[order]),
            row_positions=column("positions")[keep][rows_order],
            window_start=since,
            window_end=now,
            head_position=cycle.position,
        )
