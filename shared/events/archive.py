"""Games older than the training window leave the hot database for the object store.

`archive_games` writes the events of finished (or long abandoned) games started before a cutoff
to compressed files (`archive/events/<first>-<last>-<n>.jsonl.gz`: one stored event per line,
as the stream carries it), then deletes those events and their `rounds` rows in one transaction.
The games, sessions, players and ledger projections keep their rows, so every total (leaderboard,
session counts, per-policy results) stays what it was; `read_archive` gives the events back.
Events still waiting in the outbox are never archived.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import orjson
import sqlalchemy as sa

from shared.events.engine import WRITE_OPTION
from shared.events.payloads import decode_payload
from shared.events.records import Event, as_utc, loads
from shared.events.schema import events, games, outbox, rounds
from shared.events.store import EventStore

ARCHIVE_PREFIX = "archive/events/"
GAMES_PER_FILE = 200  # ~4,000 events, ~250 KB compressed, ~110 MB peak RSS: one object, one delete


class ObjectStore(Protocol):
    """Where archive files go: the serving cache's backends (a directory or an S3 bucket) do."""

    def put_object(self, key: str, data: bytes) -> None: ...
    def get_object(self, key: str) -> bytes | None: ...
    def object_keys(self, prefix: str) -> list[str]: ...


@dataclass(slots=True)
class ArchiveReport:
    games: int = 0
    events: int = 0
    files: list[str] = field(default_factory=list)


def _archivable(cutoff: datetime, limit: int) -> sa.Select[Any]:
    """Games finished before the cutoff, or started before it and never finished, still in the log."""
    ended_before = sa.or_(
        games.c.finished_at < cutoff, sa.and_(games.c.finished_at.is_(None), games.c.started_at < cutoff)
    )
    in_log = sa.exists().where(events.c.aggregate_id == games.c.game_id)
    return sa.select(games.c.game_id).where(ended_before, in_log).order_by(games.c.started_at).limit(limit)


def _line(row: sa.Row[Any]) -> bytes:
    return orjson.dumps(
        {
            "position": row.position,
            "event_id": row.event_id,
            "aggregate_id": row.aggregate_id,
            "seq": row.seq,
            "type": row.type,
            "schema_version": row.schema_version,
            "occurred_at": as_utc(row.occurred_at).isoformat(),
            "payload": orjson.Fragment(row.payload),
        }
    )


def archive_games(
    store: EventStore, target: ObjectStore, cutoff: datetime, games_per_file: int = GAMES_PER_FILE
) -> ArchiveReport:
    """Move every game that ended before `cutoff` to `target`, one file per `games_per_file` games."""
    report = ArchiveReport()
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
        key = f"{ARCHIVE_PREFIX}{rows[0].position:012d}-{rows[-1].position:012d}-{len(rows)}.jsonl.gz"
        target.put_object(key, gzip.compress(b"\n".join(_line(r) for r in rows), compresslevel=6))
        with writer.begin() as conn:  # only once the object store has the file
            conn.execute(rounds.delete().where(rounds.c.game_id.in_(moved)))
            conn.execute(events.delete().where(events.c.aggregate_id.in_(moved)))
        report.games += len(moved)
        report.events += len(rows)
        report.files.append(key)
        if len(game_ids) < games_per_file or unpublished:
            return report


def read_archive(source: ObjectStore, keys: Sequence[str] | None = None) -> Iterator[Event]:
    """The archived events, file by file (oldest file first), each file in position order."""
    for key in keys if keys is not None else source.object_keys(ARCHIVE_PREFIX):
        data = source.get_object(key)
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
