"""The archive: old games leave the hot database for the object store; every total stays right."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa

from services.relay.__main__ import main as relay_main
from services.trainer.synthetic import SyntheticGame, append_games, game_events, generate_games
from shared.events import ArchiveRequiredError, ArchiveWriteError, EventStore
from shared.events.archive import ARCHIVE_PREFIX, archive_games, read_archive, unfinished_files
from shared.events.schema import events, outbox
from shared.serving_cache.base import ServingCache
from shared.serving_cache.local import LocalDirectoryCache
from shared.serving_cache.s3 import S3Cache

NOW = datetime(2026, 11, 27, tzinfo=UTC)
CUTOFF = NOW - timedelta(days=30)


@pytest.fixture(params=["directory", "s3"])
def object_store(request: pytest.FixtureRequest, tmp_path: Path) -> ServingCache:
    """Both backends of the serving cache: a local directory and a real S3 bucket (SeaweedFS)."""
    if request.param == "s3":
        endpoint, bucket = request.getfixturevalue("s3_bucket")
        return S3Cache(bucket, endpoint_url=endpoint)
    return LocalDirectoryCache(tmp_path / "cache")


class StoppedError(Exception):
    """The archive's process died here."""


class StopsAfterUpload:
    """Dies once the object store has the file, before the events leave the database."""

    def __init__(self, inner: ServingCache) -> None:
        self.inner = inner

    def put_object(self, key: str, data: bytes) -> None:
        self.inner.put_object(key, data)
        raise StoppedError(key)

    def get_object(self, key: str) -> bytes | None:
        return self.inner.get_object(key)

    def delete_object(self, key: str) -> None:
        self.inner.delete_object(key)

    def object_keys(self, prefix: str) -> list[str]:
        return self.inner.object_keys(prefix)


class Truncates(StopsAfterUpload):
    """A store that loses the end of what it is given."""

    def put_object(self, key: str, data: bytes) -> None:
        self.inner.put_object(key, data[: len(data) // 2])


def _published(store: EventStore) -> None:
    with store.engine.begin() as conn:
        conn.execute(outbox.delete())  # the relay published everything


def _old_and_recent(store: EventStore, n_old: int = 12) -> tuple[list[SyntheticGame], list[SyntheticGame]]:
    old = list(generate_games(n_old, seed=1, start=NOW - timedelta(days=40), spacing=timedelta(hours=1)))
    recent = list(generate_games(5, seed=2, start=NOW - timedelta(days=2), spacing=timedelta(hours=1)))
    append_games(store, old + recent)
    _published(store)
    return old, recent


def test_old_games_move_to_the_object_store_and_the_totals_stay(
    sqlite_url: str, object_store: ServingCache
) -> None:
    store = EventStore.from_url(sqlite_url)
    old, recent = _old_and_recent(store)
    stored_old = [e for g in old for e in store.read_aggregate(g.game_id)]
    with store.engine.connect() as conn:
        rows = {
            r.position: r
            for r in conn.execute(
                sa.select(events).where(events.c.position.in_([e.position for e in stored_old]))
            )
        }
    totals = store.queries.projection_snapshot()

    report = archive_games(store, object_store, cutoff=CUTOFF, games_per_file=5)

    assert (report.games, report.events, len(report.files)) == (12, len(stored_old), 3)
    assert object_store.object_keys(ARCHIVE_PREFIX) == report.files
    for key in report.files:  # gzip JSON lines, each event exactly as the database stored it
        for line in gzip.decompress(object_store.get_object(key) or b"").splitlines():
            archived = orjson.loads(line)
            row = rows[archived["position"]]
            assert (archived["event_id"], archived["type"], archived["seq"]) == (
                row.event_id,
                row.type,
                row.seq,
            )
            assert archived["payload"] == orjson.loads(row.payload)
    assert sorted(read_archive(object_store), key=lambda e: e.position or 0) == stored_old
    assert all(store.read_aggregate(g.game_id) == [] for g in old)
    assert all(store.read_aggregate(g.game_id) for g in recent)
    assert store.queries.projection_snapshot() == totals  # games, sessions, leaderboard, ledger: as before
    assert all(len(store.queries.rounds(g.game_id)) == len(g) for g in recent)
    assert archive_games(store, object_store, cutoff=CUTOFF).games == 0  # nothing left to move

    live = store.queries.projection_snapshot()
    with pytest.raises(ArchiveRequiredError):
        store.rebuild_projections()  # without the archive the old games' totals would be lost
    assert store.queries.projection_snapshot() == live  # the refused rebuild rolled back
    replayed = store.rebuild_projections(read_archive(object_store, store))
    assert replayed == len(stored_old) + len(list(store.iter_events()))
    assert store.queries.projection_snapshot() == live
    store.close()


def test_games_whose_events_wait_for_the_relay_stay(sqlite_url: str, tmp_path: Path) -> None:
    store = EventStore.from_url(sqlite_url)
    append_games(store, list(generate_games(3, seed=3, start=NOW - timedelta(days=40))))
    report = archive_games(store, LocalDirectoryCache(tmp_path / "cache"), cutoff=CUTOFF)
    assert report.games == 0
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(events)).scalar() > 0
    store.close()


@pytest.mark.parametrize("games_per_file", [5, 3], ids=["same-batches", "other-batches"])
def test_a_run_stopped_between_upload_and_delete_loses_and_duplicates_nothing(
    sqlite_url: str, object_store: ServingCache, games_per_file: int
) -> None:
    store = EventStore.from_url(sqlite_url)
    old, _ = _old_and_recent(store)
    stored_old = [e for g in old for e in store.read_aggregate(g.game_id)]
    live = store.queries.projection_snapshot()

    with pytest.raises(StoppedError) as stopped:
        archive_games(store, StopsAfterUpload(object_store), cutoff=CUTOFF, games_per_file=5)
    left = str(stopped.value)
    assert object_store.object_keys(ARCHIVE_PREFIX) == [left]
    assert unfinished_files(store, object_store) == [left]  # its first event is still in the log
    assert all(store.read_aggregate(g.game_id) for g in old)
    assert store.queries.projection_snapshot() == live
    assert list(read_archive(object_store, store)) == []  # the log replays those events, once
    store.rebuild_projections(read_archive(object_store, store))
    assert store.queries.projection_snapshot() == live

    # Later batches may differ (the cutoff moved, GAMES_PER_FILE changed): the left file goes first.
    report = archive_games(store, object_store, cutoff=CUTOFF, games_per_file=games_per_file)

    assert report.removed_unfinished == [left]
    assert report.games == len(old)
    assert (left in report.files) == (games_per_file == 5)  # the same batch, the same key
    assert object_store.object_keys(ARCHIVE_PREFIX) == report.files
    assert sorted(read_archive(object_store), key=lambda e: e.position or 0) == stored_old  # each once
    assert store.queries.projection_snapshot() == live
    store.rebuild_projections(read_archive(object_store, store))
    assert store.queries.projection_snapshot() == live
    store.close()


def test_nothing_is_deleted_unless_the_file_reads_back_whole(
    sqlite_url: str, object_store: ServingCache
) -> None:
    store = EventStore.from_url(sqlite_url)
    old, _ = _old_and_recent(store, n_old=3)
    with pytest.raises(ArchiveWriteError, match="different bytes; no event was deleted"):
        archive_games(store, Truncates(object_store), cutoff=CUTOFF)
    assert all(store.read_aggregate(g.game_id) for g in old)
    store.close()


def test_a_move_appended_while_the_file_is_written_stays_in_the_log(sqlite_url: str, tmp_path: Path) -> None:
    store = EventStore.from_url(sqlite_url)
    (abandoned,) = generate_games(1, seed=6, start=NOW - timedelta(days=40))
    played = game_events(abandoned)
    store.append(played[:3])  # started, two rounds, never finished: archivable past the cutoff
    append_games(store, list(generate_games(1, seed=7, start=NOW - timedelta(days=1))))
    _published(store)
    cache = LocalDirectoryCache(tmp_path / "cache")

    class AppendsDuringUpload(StopsAfterUpload):
        def put_object(self, key: str, data: bytes) -> None:
            self.inner.put_object(key, data)
            store.append([played[3]])  # the player comes back while the archive runs

    report = archive_games(store, AppendsDuringUpload(cache), cutoff=CUTOFF)

    assert report.events == 3
    assert [e.seq for e in store.read_aggregate(abandoned.game_id)] == [4]
    assert [e.seq for e in read_archive(cache, store)] == [1, 2, 3]
    store.close()


def _env(monkeypatch: pytest.MonkeyPatch, sqlite_url: str, s3_bucket: tuple[str, str]) -> None:
    endpoint, bucket = s3_bucket
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("S3_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("S3_BUCKET", bucket)


def test_the_archive_command_uses_the_training_window_and_the_rebuild_reads_the_archive(
    sqlite_url: str,
    s3_bucket: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = EventStore.from_url(sqlite_url)
    now = datetime.now(UTC)
    append_games(store, list(generate_games(2, seed=4, start=now - timedelta(days=20))))
    append_games(store, list(generate_games(1, seed=5, start=now - timedelta(hours=1))))
    _published(store)
    live = store.queries.projection_snapshot()
    _env(monkeypatch, sqlite_url, s3_bucket)
    monkeypatch.setenv("METRICS_WINDOW_DAYS", "30")
    assert relay_main(["archive"]) == 0
    assert "archived 0 games" in capsys.readouterr().out
    assert relay_main(["archive", "--days", "7"]) == 0
    assert "archived 2 games" in capsys.readouterr().out

    assert relay_main(["rebuild-projections"]) == 0
    assert "rebuilt the projections from" in capsys.readouterr().out
    rebuilt = store.queries.projection_snapshot()
    assert rebuilt == live
    store.close()


def test_the_cronjob_enqueues_the_archive_for_the_worker(
    sqlite_url: str, redis_url: str, s3_bucket: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from redis import Redis
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from services.worker.queues import KnownJob, job_queue
    from shared.jobs import ARCHIVE_JOB, TRAINING_QUEUE

    store = EventStore.from_url(sqlite_url)
    append_games(store, list(generate_games(2, seed=5, start=datetime.now(UTC) - timedelta(days=20))))
    append_games(store, list(generate_games(1, seed=8, start=datetime.now(UTC) - timedelta(hours=1))))
    _published(store)
    store.close()
    _env(monkeypatch, sqlite_url, s3_bucket)
    monkeypatch.setenv("REDIS_URL", redis_url)
    assert relay_main(["archive", "--enqueue", "--days", "7"]) == 0
    queue = job_queue(TRAINING_QUEUE, Redis.from_url(redis_url))
    (job,) = queue.jobs
    assert job.func_name == ARCHIVE_JOB
    SimpleWorker([queue], connection=queue.connection, serializer=JSONSerializer, job_class=KnownJob).work(
        burst=True
    )
    assert queue.fetch_job(job.id).return_value()["games"] == 2
    assert S3Cache(s3_bucket[1], endpoint_url=s3_bucket[0]).object_keys(ARCHIVE_PREFIX)
