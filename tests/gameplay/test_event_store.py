"""The event store's contract, run against SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from shared.events import AliasesChanged, ConcurrencyError, EventStore, EventType
from shared.events.engine import WalCheckpointer, create_engine
from shared.events.schema import events as events_table
from tests.gameplay.events_factory import aliases_changed, game_started, round_played, whole_game


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[EventStore]:
    opened = EventStore.from_url(store_url)
    yield opened
    opened.close()


def test_append_assigns_positions_and_reads_back_in_order(store: EventStore) -> None:
    stored = store.append(whole_game("g1", rounds=3))
    assert [e.position for e in stored] == sorted(e.position for e in stored)
    read = store.read_aggregate("g1")
    assert [(e.seq, e.type) for e in read] == [(e.seq, e.type) for e in stored]
    assert read[1].payload == stored[1].payload
    assert read[0].occurred_at == stored[0].occurred_at
    assert read[0].occurred_at.tzinfo is not None


def test_append_with_a_taken_seq_raises_concurrency_error_and_writes_nothing(store: EventStore) -> None:
    store.append([game_started("g1"), round_played("g1", 2, 1)])
    with pytest.raises(ConcurrencyError) as caught:
        store.append([round_played("g1", 2, 1), round_played("g1", 3, 2)])
    assert caught.value.expected_seq == 3
    assert [e.seq for e in store.read_aggregate("g1")] == [1, 2]
    assert store.queries.game("g1")["rounds_played"] == 1


def test_append_that_skips_a_seq_is_refused(store: EventStore) -> None:
    store.append([game_started("g1")])
    with pytest.raises(ConcurrencyError):
        store.append([round_played("g1", 3, 1)])
    assert store.last_seq("g1") == 1


def test_a_batch_with_one_bad_event_writes_none_of_it(store: EventStore) -> None:
    with pytest.raises(ConcurrencyError):
        store.append([game_started("g1"), game_started("g2"), round_played("g1", 5, 1)])
    assert store.head_position() == 0
    assert store.queries.game("g2") is None
    assert store.outbox_size() == 0


def test_concurrent_writers_of_one_seq_record_it_once(store: EventStore) -> None:
    store.append([game_started("g1")])
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def write(i: int) -> None:
        barrier.wait()
        try:
            store.append([round_played("g1", 2, 1)])
            outcomes.append("ok")
        except ConcurrencyError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 5 + ["ok"]
    assert [e.seq for e in store.read_aggregate("g1")] == [1, 2]


def test_iter_events_filters_by_type_and_resumes_after_a_position(store: EventStore) -> None:
    store.append(whole_game("g1", rounds=2))
    store.append(whole_game("g2", rounds=2))
    rounds = list(store.iter_events(types=[EventType.ROUND_PLAYED], batch_size=3))
    assert [(e.aggregate_id, e.payload.round_no) for e in rounds] == [
        ("g1", 1),
        ("g1", 2),
        ("g2", 1),
        ("g2", 2),
    ]
    everything = list(store.iter_events())
    assert len(everything) == 8
    after = list(store.iter_events(after_position=everything[3].position or 0))
    assert after == everything[4:]


def test_events_survive_reopening_the_store(store_url: str) -> None:
    first = EventStore.from_url(store_url)
    first.append(whole_game("g1", rounds=2))
    first.close()
    again = EventStore.from_url(store_url)  # migrations run again: a no-op
    assert [e.type for e in again.read_aggregate("g1")][-1] is EventType.GAME_FINISHED
    assert again.queries.game("g1")["status"] == "finished"
    again.close()


def test_projections_follow_the_events(store: EventStore) -> None:
    store.append(whole_game("g1", winner="user", rounds=7))
    store.append(whole_game("g2", winner="bot", rounds=3, session_id="s-1"))
    store.append(whole_game("t1", winner="user", rounds=7, is_test=True, player_name="tester"))
    game = store.queries.game("g1")
    assert (game["status"], game["winner"], game["rounds_played"], game["model_version"]) == (
        "finished",
        "user",
        7,
        "3",
    )
    assert [r.round_no for r in store.queries.rounds("g1")] == list(range(1, 8))
    session = store.queries.session("s-1")["session"]
    assert (
        session["games_started"],
        session["games_won"],
        session["rounds_won"],
        session["rounds_lost"],
    ) == (
        3,
        2,
        14,
        3,
    )
    board = store.queries.leaderboard(10)
    assert [(p["player_name"], p["games_finished"], p["games_won"]) for p in board] == [("ada", 2, 1)]


def test_rebuilt_projections_equal_the_live_ones(store: EventStore) -> None:
    store.append(whole_game("g1", winner="user"))
    store.append(whole_game("g2", winner="bot", session_id="s-2", player_name="bob"))
    store.append(whole_game("t1", is_test=True))
    store.append([game_started("g3"), round_played("g3", 2, 1)])
    store.append_next("rps_bot_xgboost", AliasesChanged.from_json(aliases_changed()))
    live = store.queries.projection_snapshot()
    assert store.rebuild_projections() == store.head_position()
    assert store.queries.projection_snapshot() == live
    assert all(live[name] for name in ("games", "sessions", "players", "ledger"))


def test_rebuild_recovers_projections_lost_or_damaged(store: EventStore) -> None:
    store.append(whole_game("g1"))
    live = store.queries.projection_snapshot()
    with store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM sessions"))
        conn.execute(sa.text("UPDATE games SET user_score = 99"))
    store.rebuild_projections()
    assert store.queries.projection_snapshot() == live


def test_ledger_lists_aliases_changed_newest_first_with_filters(store: EventStore) -> None:
    store.append_next("rps_bot_xgboost", AliasesChanged.from_json(aliases_changed(action="register")))
    store.append_next("rps_bot_lightgbm", AliasesChanged.from_json(aliases_changed("rps_bot_lightgbm")))
    store.append_next("rps_bot_xgboost", AliasesChanged.from_json(aliases_changed(action="rollback")))
    assert [e.action for e in store.ledger()] == ["rollback", "promote", "register"]
    xgb = store.ledger(family="rps_bot_xgboost", limit=1)
    assert [(e.family, e.action, e.after, e.evidence["games_b"]) for e in xgb] == [
        ("rps_bot_xgboost", "rollback", {"Production": 2, "B": 1}, 120)
    ]
    assert [e.seq for e in store.read_aggregate("rps_bot_xgboost")] == [1, 2]


def test_every_appended_event_waits_in_the_outbox_until_marked_published(store: EventStore) -> None:
    stored = store.append(whole_game("g1", rounds=2))
    pending = store.pending_outbox_rows(limit=2)
    assert [r.event_id for r in pending] == [e.event_id for e in stored[:2]]
    store.mark_published([r.position for r in pending])
    assert store.outbox_size() == len(stored) - 2
    assert store.requeue(after_position=0) == 2
    assert [r.position for r in store.pending_outbox_rows()] == [e.position for e in stored]


def test_the_log_is_append_only_unique_by_event_id(store: EventStore) -> None:
    event = game_started("g1")
    store.append([event])
    clone = round_played("g1", 2, 1)
    object.__setattr__(clone, "event_id", event.event_id)
    with pytest.raises(sa.exc.IntegrityError):
        store.append([clone])
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(events_table)).scalar() == 1


def test_reading_the_outbox_looks_up_events_by_key_and_never_scans_the_log(sqlite_url: str) -> None:
    """The publisher reads the outbox after every append: a plan that walks the whole log made every
    /play slower as the log grew (seen as a growing p99 in the /play benchmark)."""
    store = EventStore.from_url(sqlite_url)
    try:
        store.append(whole_game("g1", rounds=3))
        statements: list[tuple[str, object]] = []

        def capture(conn: object, cursor: object, statement: str, parameters: object, *_: object) -> None:
            if statement.lstrip().upper().startswith("SELECT"):
                statements.append((statement, parameters))

        sa.event.listen(store.engine, "before_cursor_execute", capture)
        try:
            assert store.pending_outbox_rows(2)
        finally:
            sa.event.remove(store.engine, "before_cursor_execute", capture)
        ((statement, parameters),) = statements
        with store.engine.connect() as conn:
            plan = [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
        assert not any(step.startswith("SCAN events") for step in plan), plan
        assert any(step.startswith("SEARCH events USING INTEGER PRIMARY KEY") for step in plan), plan
    finally:
        store.close()


def test_with_background_checkpoints_no_commit_checkpoints_and_the_thread_does(sqlite_url: str) -> None:
    """SQLite's own checkpoint runs inside the commit that crosses 1000 WAL pages (~20 ms on the
    /play path, the benchmark's p99); with background_checkpoint the commits only append to the
    WAL and a thread copies it back."""
    engine = create_engine(sqlite_url, autocheckpoint=False)
    store = EventStore(engine)
    store.migrate()
    checkpointer = WalCheckpointer(engine, interval_s=0.05)
    try:
        database = Path(sa.make_url(sqlite_url).database or "")
        wal = database.with_name(database.name + "-wal")
        for g in range(150):
            store.append(whole_game(f"g{g}", rounds=7))
        grown = wal.stat().st_size

        checkpointer.start()
        deadline = time.monotonic() + 10
        while True:  # the thread copies every frame back
            _, frames, copied = checkpointer.checkpoint()
            if frames == copied or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert frames == copied
        assert frames > 1000, f"a commit checkpointed the WAL (it holds only {frames} frames)"
        store.append(whole_game("after", rounds=1))  # a writer after a full checkpoint restarts the WAL
        _, frames, copied = checkpointer.checkpoint()
        assert frames < 100, f"the WAL did not restart from its beginning ({frames} frames)"
        assert wal.stat().st_size == grown, "the WAL file is reused, not grown"
        assert len(store.read_aggregate("after")) == 3
    finally:
        checkpointer.stop()
        store.close()


def test_a_store_opened_with_background_checkpoints_stops_its_thread_on_close(sqlite_url: str) -> None:
    store = EventStore.from_url(sqlite_url, background_checkpoint=True)
    store.append(whole_game("g1", rounds=2))
    assert any(t.name == "sqlite-wal-checkpoint" for t in threading.enumerate())
    store.close()
    assert not any(t.name == "sqlite-wal-checkpoint" for t in threading.enumerate())
    reopened = EventStore.from_url(sqlite_url)
    assert [e.seq for e in reopened.read_aggregate("g1")] == [1, 2, 3, 4]
    reopened.close()


def test_the_migrations_build_exactly_the_schema_the_code_queries(store: EventStore) -> None:
    """shared/events/schema.py and the Alembic migrations describe one schema: a table, column or
    index added to one and not the other is a difference here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from shared.events.migrate import VERSION_TABLE
    from shared.events.schema import metadata

    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_processes_starting_together_on_a_fresh_store_all_migrate_it(store_url: str) -> None:
    """`make run` starts every process at once on an empty database, and each migrates as it opens
    the store: they take turns (half of them failed with "database is locked" before)."""
    opener = "import sys; from shared.events import EventStore; EventStore.from_url(sys.argv[1]).close()"
    starts = [
        subprocess.Popen([sys.executable, "-c", opener, store_url], stderr=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    failures = [err for p in starts if (err := p.communicate(timeout=120)[1]) and p.returncode != 0]
    assert failures == []
    store = EventStore.from_url(store_url)
    assert store.append(whole_game("g1", rounds=1))[0].position is not None
    store.close()


def test_appends_write_the_rows_sqlalchemy_would(store: EventStore) -> None:
    """Appends run their Core statements straight on the driver (shared/events/direct.py); the rows
    must be what SQLAlchemy writes: datetimes in its format, read back equal."""
    appended = store.append(whole_game("g1", rounds=2))
    assert store.read_aggregate("g1") == appended
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(events_table.c.occurred_at).where(events_table.c.seq == 1)).scalar()
        written_by_sqlalchemy = conn.execute(
            sa.select(sa.literal(appended[0].occurred_at, sa.DateTime(timezone=True)))
        ).scalar()
    assert stored == written_by_sqlalchemy
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as conn:
            text = conn.exec_driver_sql("SELECT occurred_at FROM events WHERE seq = 1").scalar()
        processor = sa.DateTime().dialect_impl(store.engine.dialect).bind_processor(store.engine.dialect)
        assert processor is not None and text == processor(appended[0].occurred_at)
