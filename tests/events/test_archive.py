"""The archive: old games leave the hot database for the object store; every total stays right."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from services.relay.__main__ import main as relay_main
from services.trainer.synthetic import append_games, generate_games
from shared.events import ArchiveRequiredError, EventStore
from shared.events.archive import ARCHIVE_PREFIX, archive_games, read_archive
from shared.events.schema import events, outbox
from shared.serving_cache.local import LocalDirectoryCache

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def _totals(store: EventStore) -> dict[str, list[dict[str, object]]]:
    snapshot = store.queries.projection_snapshot()
    return {table: rows for table, rows in snapshot.items() if table != "rounds"}


def test_old_games_move_to_the_object_store_and_the_totals_stay(sqlite_url: str, tmp_path: Path) -> None:
    store = EventStore.from_url(sqlite_url)
    old = list(generate_games(12, seed=1, start=NOW - timedelta(days=40), spacing=timedelta(hours=1)))
    recent = list(generate_games(5, seed=2, start=NOW - timedelta(days=2), spacing=timedelta(hours=1)))
    append_games(store, old + recent)
    with store.engine.begin() as conn:
        conn.execute(outbox.delete())  # the relay published everything
    stored_old = [e for g in old for e in store.read_aggregate(g.game_id)]
    totals = _totals(store)
    target = LocalDirectoryCache(tmp_path / "cache")

    report = archive_games(store, target, cutoff=NOW - timedelta(days=30), games_per_file=5)

    assert (report.games, report.events, len(report.files)) == (12, len(stored_old), 3)
    assert all(key.startswith(ARCHIVE_PREFIX) and key.endswith(".jsonl.gz") for key in report.files)
    assert sorted(read_archive(target), key=lambda e: e.position or 0) == stored_old
    assert all(store.read_aggregate(g.game_id) == [] for g in old)
    assert all(store.read_aggregate(g.game_id) for g in recent)
    assert _totals(store) == totals  # games, sessions, leaderboard, ledger: every row and total as before
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM rounds")).scalar() == sum(len(g) for g in recent)
    assert archive_games(store, target, cutoff=NOW - timedelta(days=30)).games == 0  # nothing left to move

    live = store.queries.projection_snapshot()
    with pytest.raises(ArchiveRequiredError):
        store.rebuild_projections()  # without the archive the old games' totals would be lost
    assert store.queries.projection_snapshot() == live  # the refused rebuild rolled back
    assert store.rebuild_projections(read_archive(target)) == len(stored_old) + len(list(store.iter_events()))
    assert store.queries.projection_snapshot() == live
    store.close()


def test_games_whose_events_wait_for_the_relay_stay(sqlite_url: str, tmp_path: Path) -> None:
    store = EventStore.from_url(sqlite_url)
    append_games(store, list(generate_games(3, seed=3, start=NOW - timedelta(days=40))))
    report = archive_games(store, LocalDirectoryCache(tmp_path / "cache"), cutoff=NOW - timedelta(days=30))
    assert report.games == 0
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(events)).scalar() > 0
    store.close()


def test_the_archive_command_uses_the_training_window(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = EventStore.from_url(sqlite_url)
    start = datetime.now(UTC) - timedelta(days=20)
    append_games(store, list(generate_games(2, seed=4, start=start)))
    with store.engine.begin() as conn:
        conn.execute(outbox.delete())
    store.close()
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("SERVING_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("METRICS_WINDOW_DAYS", "30")
    assert relay_main(["archive"]) == 0
    assert "archived 0 games" in capsys.readouterr().out
    assert relay_main(["archive", "--days", "7"]) == 0
    assert "archived 2 games" in capsys.readouterr().out


def test_the_cronjob_enqueues_the_archive_for_the_worker(
    sqlite_url: str, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from redis import Redis
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from services.worker.queues import KnownJob, job_queue
    from shared.jobs import ARCHIVE_JOB, TRAINING_QUEUE

    store = EventStore.from_url(sqlite_url)
    append_games(store, list(generate_games(2, seed=5, start=datetime.now(UTC) - timedelta(days=20))))
    with store.engine.begin() as conn:
        conn.execute(outbox.delete())
    store.close()
    for name, value in (("DATABASE_URL", sqlite_url), ("REDIS_URL", redis_url)):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SERVING_CACHE_DIR", str(tmp_path / "cache"))
    assert relay_main(["archive", "--enqueue", "--days", "7"]) == 0
    queue = job_queue(TRAINING_QUEUE, Redis.from_url(redis_url))
    (job,) = queue.jobs
    assert job.func_name == ARCHIVE_JOB
    SimpleWorker([queue], connection=queue.connection, serializer=JSONSerializer, job_class=KnownJob).work(
        burst=True
    )
    assert queue.fetch_job(job.id).return_value()["games"] == 2
