"""Named reader checkpoints (shared/events/checkpoints.py), run against SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from shared.events import CheckpointConflictError, EventStore, new_event
from shared.events.checkpoints import GAP_GRACE_S
from shared.events.schema import events as events_table
from tests.gameplay.events_factory import game_started, whole_game


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[EventStore]:
    opened = EventStore.from_url(store_url)
    yield opened
    opened.close()


def test_a_reader_that_never_saved_starts_at_position_zero_with_no_state(store: EventStore) -> None:
    checkpoint = store.checkpoints.load("never")
    assert (checkpoint.position, checkpoint.state, checkpoint.updated_at) == (0, b"", None)


def test_state_and_position_are_saved_together_and_survive_reopening(store_url: str) -> None:
    store = EventStore.from_url(store_url)
    store.append(whole_game("g1", rounds=2))
    head = store.checkpoints.stable_head(0)
    store.checkpoints.save("reader", head, b'{"rounds": 2}', expected_position=0)
    store.close()
    reopened = EventStore.from_url(store_url)
    checkpoint = reopened.checkpoints.load("reader")
    reopened.close()
    assert (checkpoint.position, checkpoint.state) == (head, b'{"rounds": 2}')
    assert checkpoint.updated_at is not None and checkpoint.updated_at.tzinfo is not None


def test_a_save_from_a_stale_position_is_refused_and_changes_nothing(store: EventStore) -> None:
    store.checkpoints.save("reader", 5, b"first", expected_position=0)
    with pytest.raises(CheckpointConflictError, match="expected position 0, found 5"):
        store.checkpoints.save("reader", 9, b"second", expected_position=0)
    assert store.checkpoints.load("reader").state == b"first"
    store.checkpoints.save("reader", 9, b"second", expected_position=5)
    assert store.checkpoints.load("reader").position == 9


def test_two_readers_creating_one_checkpoint_at_once_save_it_once(store: EventStore) -> None:
    barrier, outcomes = threading.Barrier(2), []

    def save(state: bytes) -> None:
        barrier.wait()
        try:
            store.checkpoints.save("reader", 3, state, expected_position=0)
            outcomes.append("saved")
        except CheckpointConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=save, args=(s,)) for s in (b"a", b"b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "saved"]


def test_a_negative_position_is_refused(store: EventStore) -> None:
    with pytest.raises(ValueError, match="position must be >= 0"):
        store.checkpoints.save("reader", -1, b"", expected_position=0)


def test_reset_makes_the_reader_start_again_and_a_rebuild_keeps_checkpoints(store: EventStore) -> None:
    store.append(whole_game("g1", rounds=1))
    store.checkpoints.save("kept", 2, b"k", expected_position=0)
    store.checkpoints.save("dropped", 2, b"d", expected_position=0)
    store.rebuild_projections()
    store.checkpoints.reset("dropped")
    assert store.checkpoints.load("kept").position == 2
    assert store.checkpoints.load("dropped").position == 0


def test_iter_events_stops_at_until_position(store: EventStore) -> None:
    stored = store.append(whole_game("g1", rounds=3))
    middle = stored[2].position
    read = list(store.iter_events(after_position=stored[0].position or 0, until_position=middle))
    assert [e.position for e in read] == [stored[1].position, middle]


def test_the_stable_head_of_sqlite_is_its_head(sqlite_url: str) -> None:
    store = EventStore.from_url(sqlite_url)
    stored = store.append(whole_game("g1", rounds=2))
    assert store.checkpoints.stable_head(0) == stored[-1].position == store.head_position()
    assert store.checkpoints.stable_head(stored[-1].position) == stored[-1].position
    store.close()


def _insert(conn: sa.Connection, game_id: str, occurred_at: datetime | None = None) -> int:
    event = new_event(game_id, 1, game_started(game_id).payload)
    row = {
        "event_id": event.event_id,
        "aggregate_id": game_id,
        "seq": 1,
        "type": event.type.value,
        "schema_version": 1,
        "occurred_at": occurred_at or event.occurred_at,
        "payload": "{}",
    }
    key = conn.execute(events_table.insert().values(**row)).inserted_primary_key
    assert key is not None
    return int(key[0])


def test_postgres_readers_stop_before_an_append_still_in_flight(postgres_url: str) -> None:
    """A later position committed first must not be read past: the earlier one would be skipped."""
    store = EventStore.from_url(postgres_url)
    first = store.append([game_started("g0")])[0].position or 0
    in_flight = store.engine.connect()
    transaction = in_flight.begin()
    pending = _insert(in_flight, "g1")
    later = store.append([game_started("g2")])[0].position or 0
    assert pending < later
    assert store.checkpoints.stable_head(first) == first
    transaction.commit()
    in_flight.close()
    assert store.checkpoints.stable_head(first) == later
    store.close()


def test_postgres_readers_pass_a_gap_once_it_is_older_than_the_grace(postgres_url: str) -> None:
    """A rolled-back append leaves a gap for ever: once old, readers go past it."""
    store = EventStore.from_url(postgres_url)
    with store.engine.connect() as conn:
        transaction = conn.begin()
        _insert(conn, "g-aborted")
        transaction.rollback()
    young = store.append([game_started("g1")])[0].position or 0
    assert store.checkpoints.stable_head(0) == 0
    old = datetime.now(UTC) - timedelta(seconds=GAP_GRACE_S + 5)
    with store.engine.begin() as conn:
        conn.execute(sa.update(events_table).where(events_table.c.position == young).values(occurred_at=old))
    assert store.checkpoints.stable_head(0) == young
    store.close()
