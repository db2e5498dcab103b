"""The event store: append with optimistic concurrency, read the log, rebuild projections."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shared.events import migrate
from shared.events.checkpoints import ReaderCheckpoints
from shared.events.direct import DirectWriter, Executor
from shared.events.engine import SQLITE_BUSY_TIMEOUT_S, WRITE_OPTION, WalCheckpointer, create_engine
from shared.events.errors import ArchiveRequiredError, ConcurrencyError, StoreUnavailableError
from shared.events.payloads import Payload, decode_payload
from shared.events.projections import apply_events, clear_projections
from shared.events.queries import ProjectionQueries
from shared.events.records import Event, as_utc, dumps, loads, new_event
from shared.events.schema import events, games, ledger, outbox
from shared.streams import EventType

REBUILD_BATCH = 2000
_INSERT_EVENT = events.insert()  # built once: a statement per call costs more than the SQL
_INSERT_OUTBOX = outbox.insert()
# A game of the projection whose events are not in the log any more: it was archived.
_ARCHIVED_GAME = (
    sa.select(games.c.game_id).where(~sa.exists().where(events.c.aggregate_id == games.c.game_id)).limit(1)
)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One promotion-ledger row (an AliasesChanged event)."""

    position: int
    event_id: str
    occurred_at: datetime
    family: str
    action: str
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str
    evidence: dict[str, Any]


def _row_to_event(row: sa.Row[Any]) -> Event:
    return Event(
        event_id=row.event_id,
        aggregate_id=row.aggregate_id,
        seq=row.seq,
        occurred_at=as_utc(row.occurred_at),
        payload=decode_payload(row.type, row.schema_version, loads(row.payload)),
        position=row.position,
    )


class EventStore:
    """The log and its projections on one SQLAlchemy engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: sa.Engine, checkpointer: WalCheckpointer | None = None) -> None:
        self.engine = engine
        self._checkpointer = checkpointer
        self._writer = engine.execution_options(**{WRITE_OPTION: True})
        self._direct = DirectWriter(engine)  # appends: the hot path
        self.queries = ProjectionQueries(engine)
        self.checkpoints = ReaderCheckpoints(engine)
        self._max_seq = sa.select(sa.func.max(events.c.seq)).where(
            events.c.aggregate_id == sa.bindparam("aggregate_id")
        )

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        run_migrations: bool = True,
        background_checkpoint: bool = False,
        busy_timeout_s: float | None = None,
    ) -> EventStore:
        """Open the store at a SQLAlchemy URL, migrating the schema to the latest version first.

        `background_checkpoint` (SQLite; for a long-running process that appends on a latency path):
        a thread checkpoints the WAL instead of the commits; `close()` stops it. `busy_timeout_s`
        (SQLite): how long an append waits for another writer's lock before StoreUnavailableError
        (default SQLITE_BUSY_TIMEOUT_S; the migrations always get the default)."""
        if run_migrations:
            with _available("migrate"):
                migration_engine = create_engine(url)
                migrate.upgrade(migration_engine)
                migration_engine.dispose()
        engine = create_engine(
            url,
            autocheckpoint=not background_checkpoint,
            busy_timeout_s=SQLITE_BUSY_TIMEOUT_S if busy_timeout_s is None else busy_timeout_s,
        )
        checkpointer = None
        if background_checkpoint and engine.dialect.name == "sqlite":
            checkpointer = WalCheckpointer(engine)
        store = cls(engine, checkpointer)
        if checkpointer is not None:
            checkpointer.start()
        return store

    def migrate(self) -> None:
        migrate.upgrade(self.engine)

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self.engine.dispose()

    # -- writing ---------------------------------------------------------------

    def append(self, new_events: Sequence[Event]) -> list[Event]:
        """Append events in one transaction with their projections and outbox rows; returns them
        with their positions. Each aggregate's events must continue its seq (last + 1, + 2, ...),
        else ConcurrencyError and nothing is written."""
        if not new_events:
            return []
        stored: list[Event] = []
        try:
            with _available("append"), self._direct.begin() as conn:
                self._check_seqs(conn, new_events)
                for event in new_events:
                    position = conn.execute(_INSERT_EVENT, _event_row(event)).inserted_position()
                    stored.append(event.with_position(position))
                conn.execute(_INSERT_OUTBOX, [{"position": e.position} for e in stored])
                apply_events(conn, stored)
        except sa.exc.IntegrityError as exc:
            # A concurrent writer (PostgreSQL: another transaction) took the seq between check and insert.
            first = new_events[0]
            last = self.last_seq(first.aggregate_id)
            if last >= first.seq:
                raise ConcurrencyError(first.aggregate_id, last + 1, first.seq) from None
            raise exc
        return stored

    def append_next(self, aggregate_id: str, payload: Payload, retries: int = 5) -> Event:
        """Append one event at the aggregate's next seq, retrying on a concurrent writer
        (for aggregates without a single writer, e.g. a model family's ModelTrained/AliasesChanged)."""
        for attempt in range(retries + 1):
            event = new_event(aggregate_id, self.last_seq(aggregate_id) + 1, payload)
            try:
                return self.append([event])[0]
            except ConcurrencyError:
                if attempt == retries:
                    raise
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def _check_seqs(self, conn: Executor, new_events: Sequence[Event]) -> None:
        expected: dict[str, int] = {}
        for event in new_events:
            if event.aggregate_id not in expected:
                last = conn.execute(self._max_seq, {"aggregate_id": event.aggregate_id}).scalar()
                expected[event.aggregate_id] = (last or 0) + 1
            if event.seq != expected[event.aggregate_id]:
                raise ConcurrencyError(event.aggregate_id, expected[event.aggregate_id], event.seq)
            expected[event.aggregate_id] += 1

    # -- reading the log -------------------------------------------------------

    def last_seq(self, aggregate_id: str) -> int:
        """The aggregate's last seq, 0 when it has no event."""
        with _available("read"), self.engine.connect() as conn:
            return int(conn.execute(self._max_seq, {"aggregate_id": aggregate_id}).scalar() or 0)

    def read_aggregate(self, aggregate_id: str, after_seq: int = 0) -> list[Event]:
        """The aggregate's events in seq order."""
        query = (
            sa.select(events)
            .where(events.c.aggregate_id == aggregate_id, events.c.seq > after_seq)
            .order_by(events.c.seq)
        )
        with _available("read"), self.engine.connect() as conn:
            return [_row_to_event(row) for row in conn.execute(query)]

    def iter_events(
        self,
        types: Iterable[EventType] | None = None,
        after_position: int = 0,
        batch_size: int = 1000,
        until_position: int | None = None,
    ) -> Iterator[Event]:
        """Every event (or those of `types`) after `after_position` (up to `until_position`), in append
        order, read in batches. Remember the last `event.position` you handled to resume from there."""
        type_names = None if types is None else [str(t) for t in types]
        position = after_position
        while True:
            query = sa.select(events).where(events.c.position > position)
            if until_position is not None:
                query = query.where(events.c.position <= until_position)
            if type_names is not None:
                query = query.where(events.c.type.in_(type_names))
            with _available("read"), self.engine.connect() as conn:
                batch = [
                    _row_to_event(r)
                    for r in conn.execute(query.order_by(events.c.position).limit(batch_size))
                ]
            yield from batch
            if len(batch) < batch_size:
                return
            position = batch[-1].position or position

    def position_at(self, moment: datetime) -> int:
        """The last position appended before `moment` (0 if none): a binary search over the primary
        key, O(log n) lookups. Appends are in time order up to writers' clock skew; readers keep a
        margin before the moment and filter on `occurred_at` themselves."""
        first = sa.select(events.c.occurred_at).where(events.c.position >= sa.bindparam("p"))
        first = first.order_by(events.c.position).limit(1)
        low, high = 0, self.head_position()  # invariant: events up to `low` are before the moment
        with _available("read"), self.engine.connect() as conn:
            while low < high:
                middle = (low + high + 1) // 2
                at = conn.execute(first, {"p": middle}).scalar()
                if at is not None and as_utc(at) < moment:
                    low = middle
                else:
                    high = middle - 1
        return low

    def head_position(self) -> int:
        """The position of the last appended event (0 for an empty log)."""
        with _available("read"), self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(events.c.position))).scalar() or 0)

    def ledger(
        self, family: str | None = None, limit: int | None = None, since: datetime | None = None
    ) -> list[LedgerEntry]:
        """The promotion ledger, newest first."""
        query = sa.select(ledger).order_by(ledger.c.position.desc())
        if family is not None:
            query = query.where(ledger.c.family == family)
        if since is not None:
            query = query.where(ledger.c.occurred_at >= since)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [
                LedgerEntry(
                    position=r.position,
                    event_id=r.event_id,
                    occurred_at=as_utc(r.occurred_at),
                    family=r.family,
                    action=r.action,
                    before=loads(r.before),
                    after=loads(r.after),
                    reason=r.reason,
                    evidence=loads(r.evidence),
                )
                for r in conn.execute(query)
            ]

    # -- projections -----------------------------------------------------------

    def rebuild_projections(self, archived: Iterable[Event] = ()) -> int:
        """Drop every projection row and replay the log in one transaction, the `archived` events
        (shared.events.archive.read_archive) first; returns the count. Refused when games were
        archived and no archive is given: their totals would be lost."""
        count = 0
        with self._writer.begin() as conn:
            archived_games = list(conn.execute(_ARCHIVED_GAME).scalars())
            clear_projections(conn)
            for event in archived:
                apply_events(conn, [event])
                count += 1
            if archived_games and not count:
                raise ArchiveRequiredError(archived_games[0])
            position = 0
            while True:
                query = sa.select(events).where(events.c.position > position).order_by(events.c.position)
                batch = [_row_to_event(r) for r in conn.execute(query.limit(REBUILD_BATCH))]
                apply_events(conn, batch)
                count += len(batch)
                if len(batch) < REBUILD_BATCH:
                    return count
                position = batch[-1].position or position

    # -- outbox ----------------------------------------------------------------

    def pending_outbox_rows(self, limit: int = 500) -> list[sa.Row[Any]]:
        """Events not yet confirmed on the stream, oldest first, as raw `events` rows (payload
        still JSON text): what the publisher sends as is.

        Driven from the (small) outbox, each event found by its key: ordered by `events.position`,
        SQLite scanned the whole log on every publishing pass."""
        query = (
            sa.select(events)
            .select_from(outbox)
            .join(events, events.c.position == outbox.c.position)
            .order_by(outbox.c.position)
            .limit(limit)
        )
        with _available("read"), self.engine.connect() as conn:
            return list(conn.execute(query))

    def outbox_lag(self) -> tuple[int, datetime | None]:
        """(events waiting in the outbox, when the oldest of them was appended)."""
        oldest = (
            sa.select(events.c.occurred_at)
            .where(events.c.position == sa.select(sa.func.min(outbox.c.position)).scalar_subquery())
            .scalar_subquery()
        )
        with _available("read"), self.engine.connect() as conn:
            row = conn.execute(
                sa.select(sa.func.count().label("n"), oldest.label("at")).select_from(outbox)
            ).one()
        return int(row.n), None if row.at is None else as_utc(row.at)

    def outbox_size(self) -> int:
        with _available("read"), self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar() or 0)

    def mark_published(self, positions: Sequence[int]) -> None:
        if positions:
            with _available("write"), self._writer.begin() as conn:
                conn.execute(outbox.delete().where(outbox.c.position.in_(list(positions))))

    def requeue(self, after_position: int = 0) -> int:
        """Put every event after `after_position` back in the outbox (to replay the stream after Redis
        lost its data); consumers de-duplicate by event_id. Returns how many were queued."""
        missing = sa.select(events.c.position).where(
            events.c.position > after_position, events.c.position.not_in(sa.select(outbox.c.position))
        )
        with self._writer.begin() as conn:
            positions = [{"position": p} for p in conn.execute(missing).scalars()]
            if positions:
                conn.execute(outbox.insert(), positions)
            return len(positions)


@contextmanager
def _available(operation: str) -> Iterator[None]:
    """SQLAlchemy's operational errors (locked, unreachable, I/O) leave the store as StoreUnavailableError."""
    try:
        yield
    except sa.exc.OperationalError as exc:
        raise StoreUnavailableError(operation, str(exc.orig)) from exc


def _event_row(event: Event) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "aggregate_id": event.aggregate_id,
        "seq": event.seq,
        "type": event.type.value,
        "schema_version": event.schema_version,
        "occurred_at": event.occurred_at,
        "payload": dumps(event.payload.to_json()),
    }
