"""Games older than the training window leave the hot database for the object store.

`archive_games` writes the events of finished (or long abandoned) games started before a cutoff
to compressed files (`archive/events/<first>-<last>-<n>.jsonl.gz`: one stored event per line,
as the stream carries it), reads each file back, and only then deletes those events in one
transaction. The games, sessions, players and ledger projections keep their
rows, so every total (leaderboard, session counts, per-policy results) stays what it was;
`read_archive` gives the events back for `python -m services.relay rebuild-projections`.

Crash-safe: a run stopped between an upload and its delete leaves an *unfinished* file, whose
first event is still in the log. `read_archive(source, store)` leaves such files out (the log
replays their events) and the next run removes them before writing anything, so the archive
holds every event once whatever that run's batches are. The game holding the log's last event
stays (SQLite numbers a new row max(position) + 1): positions are never reused, so readers'
checkpoints, `position_at` and the unfinished-file test hold across the gaps. Events still
waiting in the outbox are never archived. One run at a time: the worker runs jobs one by one.
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import orjson
import sqlalchemy as sa

from shared.events.engine import WRITE_OPTION
from shared.events.errors import ArchiveWriteError
from shared.events.payloads import decode_payload
from shared.events.records import Event, as_utc, loads, stored_json
from shared.events.schema import events, games, outbox
from shared.events.store import EventStore

ARCHIVE_PREFIX = "archive/events/"
GAMES_PER_FILE = 200  # ~4,000 events, ~250 KB compressed, ~110 MB peak RSS: one object, one delete
_IN_BATCH = 1000  # values per IN (...) list: well under SQLite's 32,766 bound parameters

log = logging.getLogger(__name__)


class ObjectStore(Protocol):
    """Where archive files go: the serving cache's backends (a directory or an S3 bucket) do."""

    def put_object(self, key: str, data: bytes) -> None: ...
    def get_object(self, key: str) -> bytes | None: ...
    def delete_object(self, key: str) -> None: ...
    def object_keys(self, prefix: str) -> list[str]: ...


@dataclass(slots=True)
class ArchiveReport:
    games: int = 0
    events: int = 0
    files: list[str] = field(default_factory=list)
    removed_unfinished: list[str] = field(default_factory=list)


def _archivable(cutoff: datetime, limit: int) -> sa.Select[Any]:
    """Games finished before the cutoff, or started before it and never finished, still in the log
    and not holding its last event."""
    ended_before = sa.or_(
        games.c.finished_at < cutoff, sa.and_(games.c.finished_at.is_(None), games.c.started_at < cutoff)
    )
    in_log = sa.exists().where(events.c.aggregate_id == games.c.game_id)
    head = sa.select(sa.func.max(events.c.position)).scalar_subquery()
    head_aggregate = sa.select(events.c.aggregate_id).where(events.c.position == head).scalar_subquery()
    return (
        sa.select(games.c.game_id)
        .where(ended_before, in_log, games.c.game_id != head_aggregate)
        .order_by(games.c.started_at, games.c.game_id)
        .limit(limit)
    )


def _first_position(key: str) -> int:
    return int(key.removeprefix(ARCHIVE_PREFIX).split("-", 1)[0])


def unfinished_files(store: EventStore, source: ObjectStore, keys: Sequence[str] | None = None) -> list[str]:
    """The archive files whose delete never committed: their first event is still in the log."""
    listed = source.object_keys(ARCHIVE_PREFIX) if keys is None else list(keys)
    firsts = sorted({_first_position(key) for key in listed})
    hot: set[int] = set()
    with store.engine.connect() as conn:
        for start in range(0, len(firsts), _IN_BATCH):
            batch = firsts[start : start + _IN_BATCH]
            hot.update(
                conn.execute(sa.select(events.c.position).where(events.c.position.in_(batch))).scalars()
            )
    return [key for key in listed if _first_position(key) in hot]


def archive_games(
    store: EventStore, target: ObjectStore, cutoff: datetime, games_per_file: int = GAMES_PER_FILE
) -> ArchiveReport:
    """Move every game that ended before `cutoff` to `target`, one file per `games_per_file` games."""
    report = ArchiveReport()
    for key in unfinished_files(store, target):
        log.warning("archive: removing %s, left by a run stopped before its delete (the log has it)", key)
        target.delete_object(key)
        report.removed_unfinished.append(key)
    writer = store.engine.execution_options(**{WRITE_OPTION: True})
    while True:
        with store.engine.connect() as conn:
            game_ids = list(conn.execute(_archivable(cutoff, games_per_file)).scalars())
            rows = list(
                conn.execute(
                    sa.select(events).where(events.c.aggregate_id.in_(game_ids)).order_by(events.c.position)
                )
            )
            unpublished = set(
                conn.execute(
                    sa.select(events.c.aggregate_id)
                    .join(outbox, outbox.c.position == events.c.position)
                    .where(events.c.aggregate_id.in_(game_ids))
                ).scalars()
            )
        if not game_ids:
            return report
        moved = [g for g in game_ids if g not in unpublished]
        rows = [r for r in rows if r.aggregate_id not in unpublished]
        if not moved:
            return report  # the rest waits for the relay
        # The same batch gets the same key: a repeated upload replaces the file, never adds one.
        key = f"{ARCHIVE_PREFIX}{rows[0].position:012d}-{rows[-1].position:012d}-{len(rows)}.jsonl.gz"
        data = gzip.compress(b"\n".join(orjson.dumps(stored_json(r)) for r in rows), compresslevel=6)
        target.put_object(key, data)
        stored = target.get_object(key)
        if stored != data:
            raise ArchiveWriteError(key, len(data), None if stored is None else len(stored))
        positions = [r.position for r in rows]  # exactly the file's: a move appended meanwhile stays
        with writer.begin() as conn:
            for start in range(0, len(positions), _IN_BATCH):
                batch = positions[start : start + _IN_BATCH]
                conn.execute(events.delete().where(events.c.position.in_(batch)))
        report.games += len(moved)
        report.events += len(rows)
        report.files.append(key)
        if len(game_ids) < games_per_file or unpublished:
            return report


def read_archive(source: ObjectStore, store: EventStore | None = None) -> Iterator[Event]:
    """The archived events, file by file (oldest file first), each file in position order. Given
    the `store`, unfinished files are left out: their events are still in its log."""
    keys = source.object_keys(ARCHIVE_PREFIX)
    skipped = set() if store is None else set(unfinished_files(store, source, keys))
    for key in keys:
        data = None if key in skipped else source.get_object(key)
        if data is None:
            continue
        for line in gzip.decompress(data).splitlines():
            row = loads(line)
            yield Event(
                aggregate_id=str(row["aggregate_id"]),
                seq=int(row["seq"]),
                payload=decode_payload(str(row["type"]), int(row["schema_version"]), row["payload"]),
                event_id=str(row["event_id"]),
                occurred_at=as_utc(datetime.fromisoformat(str(row["occurred_at"]))),
                position=int(row["position"]),
            )
