"""Named reader checkpoints: an incremental reader's state and the log position it read up to.

A reader of the log (the promoter's evidence, the trainer's dataset, metrics) folds only the
events after its checkpoint, then saves its new state *with* the new position in one row, so
a crash can never leave a state that counted events its position says are unread::

    checkpoint = store.checkpoints.load("promoter.evidence")        # position 0, b"" when new
    head = store.checkpoints.stable_head(checkpoint.position)
    for event in store.iter_events(types, after_position=checkpoint.position, until_position=head):
        fold(event)
    store.checkpoints.save("promoter.evidence", head, state_bytes, expected_position=checkpoint.position)

`save` is a compare-and-set on the position: a second process that folded the same events
first makes it raise CheckpointConflictError (reload and fold again) instead of counting twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

import sqlalchemy as sa

from shared.events.engine import WRITE_OPTION
from shared.events.errors import CheckpointConflictError
from shared.events.records import Event, as_utc
from shared.events.schema import events, reader_checkpoints

# PostgreSQL hands out positions before commit, so a later position can be visible while an earlier
# one is still in flight: a reader stops before such a gap until it is this old (an aborted append's).
GAP_GRACE_S = 60.0


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A reader's saved state and the last log position it folded (0: nothing yet)."""

    name: str
    position: int = 0
    state: bytes = b""
    updated_at: datetime | None = None


class ReaderCheckpoints:
    """The `reader_checkpoints` table of one store."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**{WRITE_OPTION: True})

    def load(self, name: str) -> Checkpoint:
        """The reader's checkpoint; an empty one at position 0 if it never saved."""
        query = sa.select(reader_checkpoints).where(reader_checkpoints.c.name == name)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return Checkpoint(name)
        return Checkpoint(name, int(row.position), bytes(row.state), as_utc(row.updated_at))

    def save(self, name: str, position: int, state: bytes, *, expected_position: int) -> Checkpoint:
        """Store state and position together if the stored position is still `expected_position`."""
        if position < 0:
            raise ValueError(f"checkpoint {name!r}: position must be >= 0, got {position}")
        now = datetime.now(UTC)
        values = {"position": position, "state": state, "updated_at": now}
        with self._writer.begin() as conn:
            updated = conn.execute(
                reader_checkpoints.update()
                .where(reader_checkpoints.c.name == name, reader_checkpoints.c.position == expected_position)
                .values(**values)
            ).rowcount
            if updated == 0:
                exists = conn.execute(
                    sa.select(reader_checkpoints.c.position).where(reader_checkpoints.c.name == name)
                ).first()
                if exists is not None or expected_position != 0:
                    found = 0 if exists is None else int(exists.position)
                    raise CheckpointConflictError(name, expected_position, found)
                try:
                    with conn.begin_nested():
                        conn.execute(reader_checkpoints.insert().values(name=name, **values))
                except sa.exc.IntegrityError:  # another reader created it between the two statements
                    raise CheckpointConflictError(name, expected_position, -1) from None
        return Checkpoint(name, position, state, now)

    def reset(self, name: str) -> None:
        """Forget the checkpoint: the reader folds the whole log again next time."""
        with self._writer.begin() as conn:
            conn.execute(reader_checkpoints.delete().where(reader_checkpoints.c.name == name))

    def stable_head(self, after_position: int = 0) -> int:
        """The last position a reader can fold up to without ever skipping an event committed later.

        SQLite commits appends one at a time in position order: its head. PostgreSQL: the position
        before the first gap after `after_position` whose next event is younger than GAP_GRACE_S."""
        with self.engine.connect() as conn:
            head = int(conn.execute(sa.select(sa.func.max(events.c.position))).scalar() or 0)
            if self.engine.dialect.name == "sqlite" or head <= after_position:
                return max(head, after_position)
            return _before_young_gap(conn, after_position, head)


class FoldedState(Protocol):
    """A reader's state: what it folded from the log, up to `position`."""

    position: int

    def fold(self, events: Iterable[Event]) -> None: ...

    def to_bytes(self) -> bytes: ...


StateT = TypeVar("StateT", bound=FoldedState)


def advance(
    checkpoints: ReaderCheckpoints,
    name: str,
    state: StateT,
    read: Callable[[int, int], Iterable[Event]],
    load: Callable[[bytes, int], StateT],
) -> StateT:
    """Fold what `read(after, until)` gives past `state.position` up to the stable head, then save
    state and position together: `state`, or, if another process saved first, its state (`load`)."""
    before = state.position
    head = checkpoints.stable_head(before)
    if head <= before:
        return state
    state.fold(read(before, head))
    state.position = head
    try:
        checkpoints.save(name, head, state.to_bytes(), expected_position=before)
    except CheckpointConflictError:  # another reader folded the same events first: take its state
        saved = checkpoints.load(name)
        return load(saved.state, saved.position)
    return state


def _before_young_gap(conn: sa.Connection, after_position: int, head: int) -> int:
    # Walks the new positions (two narrow columns, no payload): the cost of what the reader reads anyway.
    cutoff = datetime.now(UTC) - timedelta(seconds=GAP_GRACE_S)
    query = (
        sa.select(events.c.position, events.c.occurred_at)
        .where(events.c.position > after_position, events.c.position <= head)
        .order_by(events.c.position)
    )
    previous = after_position
    for position, occurred_at in conn.execution_options(yield_per=5000).execute(query):
        if position != previous + 1 and as_utc(occurred_at) > cutoff:
            return previous
        previous = position
    return head
