"""The CLI, the RQ job and the one worker, as real processes against a real Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from redis import Redis
from rq.job import JobStatus

from services.trainer.jobs import options_from
from services.trainer.settings import Settings
from services.trainer.synthetic import append_games, generate_games
from services.worker.queues import fetch_job, job_queue
from shared.events import EventStore
from shared.features import FAMILIES, Alias, Family
from shared.jobs import PROMOTE_JOB
from shared.models import XY, fit_family, params_for
from shared.registry import open_client, register_version, set_aliases
from shared.serving_cache import LocalDirectoryCache
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, redis_url: str, sqlite_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "REDIS_URL": redis_url,
        "DATABASE_URL": sqlite_url,
        "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "MLFLOW_ARTIFACTS_DIR": str(tmp_path / "mlartifacts"),
        "SERVING_CACHE_DIR": str(tmp_path / "serving-cache"),
        "TRAINING_CACHE_DIR": str(tmp_path / "training-cache"),
        "INFERENCE_URL": f"http://127.0.0.1:{free_port()}",  # nobody listens: reload must be tolerated
        "INTERNAL_TOKEN": "test-token",
        "TRAIN_MIN_ROWS": "200",
    }


def _play(sqlite_url: str, games: int) -> None:
    store = EventStore.from_url(sqlite_url)
    append_games(store, list(generate_games(games, seed=5, start=datetime.now(UTC) - timedelta(hours=2))))
    store.close()


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_cli_enqueues_and_the_worker_runs_promotion_before_training(
    tmp_path: Path, redis_url: str, sqlite_url: str
) -> None:
    _play(sqlite_url, 40)
    env = _env(tmp_path, redis_url, sqlite_url)
    enqueued = _run(["-m", "services.trainer", "train", "--enqueue"], env)
    assert enqueued.returncode == 0, enqueued.stderr
    redis = Redis.from_url(redis_url)
    (train_id,) = job_queue("training", redis).job_ids
    assert train_id in enqueued.stdout
    promotion = job_queue("promotion", redis).enqueue(PROMOTE_JOB)

    worker = _run(["-m", "services.worker", "--burst"], env)
    assert worker.returncode == 0, worker.stderr

    train_job = fetch_job(train_id, redis)
    assert train_job.get_status(refresh=True) == JobStatus.FINISHED, worker.stderr[-3000:]
    promotion.refresh()
    assert promotion.get_status() == JobStatus.FINISHED
    assert promotion.ended_at is not None and train_job.started_at is not None
    assert promotion.ended_at <= train_job.started_at  # one at a time, promotion queue first

    report = train_job.return_value()
    assert [f["status"] for f in report["families"]] == ["trained"] * len(FAMILIES)
    assert report["reload"].startswith("failed")  # inference down: tolerated
    cache = LocalDirectoryCache(tmp_path / "serving-cache")
    assert {f: {a: m.version for a, m in ms.items()} for f, ms in cache.read_all_markers().items()} == {
        f.value: {a.value: 1 for a in Alias} for f in FAMILIES
    }


def test_cli_train_now_prints_the_report_and_a_skipped_run_says_why(
    tmp_path: Path, redis_url: str, sqlite_url: str
) -> None:
    _play(sqlite_url, 5)
    env = _env(tmp_path, redis_url, sqlite_url)
    result = _run(["-m", "services.trainer", "train", "--now", "--family", "rps_bot_mnlogit"], env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    (family,) = report["families"]
    assert family["status"] == "skipped"
    assert "fewer than the minimum 200" in family["reason"]
    assert "skipping rps_bot_mnlogit" in result.stderr  # logged

    forced = _run(["-m", "services.trainer", "train", "--now", "--force", "--family", "rps_bot_mnlogit"], env)
    assert forced.returncode == 2, forced.stderr
    assert "nothing trained despite --force: rps_bot_mnlogit: " in forced.stderr
    assert "(the floor of a forced run)" in forced.stderr


def test_cli_rejects_an_unknown_family(tmp_path: Path, redis_url: str, sqlite_url: str) -> None:
    result = _run(
        ["-m", "services.trainer", "train", "--family", "rps_bot_nope"], _env(tmp_path, redis_url, sqlite_url)
    )
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_cli_sync_cache_copies_the_aliased_versions_and_clean_removes_the_rest(
    tmp_path: Path, redis_url: str, sqlite_url: str, train_val: tuple[XY, XY]
) -> None:
    env = _env(tmp_path, redis_url, sqlite_url)
    client = open_client(env["MLFLOW_TRACKING_URI"])
    experiment = client.create_experiment("sync", artifact_location=(tmp_path / "mlartifacts").as_uri())
    versions = []
    for seed in (1, 2):
        model = fit_family(
            Family.MNLOGIT, *train_val, params_for(Family.MNLOGIT, {"max_iter": 20, "seed": seed})
        )
        run = client.create_run(experiment)
        model.save(tmp_path / f"artifact-{seed}", run_id=run.info.run_id)
        versions.append(
            register_version(client, Family.MNLOGIT, run.info.run_id, tmp_path / f"artifact-{seed}")
        )
    v1, v2 = versions
    set_aliases(client, Family.MNLOGIT, {Alias.PRODUCTION: v1, Alias.B: v2})
    cache = LocalDirectoryCache(tmp_path / "serving-cache")

    first = _run(["-m", "services.trainer", "sync-cache"], env)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["markers"][Family.MNLOGIT.value] == {"Production": v1, "B": v2}
    assert sorted(ref.version for ref in cache.list_models()) == [v1, v2]

    set_aliases(client, Family.MNLOGIT, {Alias.B: None})
    kept = _run(["-m", "services.trainer", "sync-cache"], env)
    assert kept.returncode == 0 and sorted(ref.version for ref in cache.list_models()) == [v1, v2]
    cleaned = _run(["-m", "services.trainer", "sync-cache", "--clean", "--reload"], env)
    assert cleaned.returncode == 0, cleaned.stderr
    report = json.loads(cleaned.stdout)
    assert report["removed_models"] == [[Family.MNLOGIT.value, v2]]
    assert report["reload"].startswith("failed")  # nobody listens at INFERENCE_URL: said, not raised
    assert [ref.version for ref in cache.list_models()] == [v1]


def test_the_row_cap_is_a_setting_with_a_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAIN_MAX_ROWS", "120000")
    assert options_from(Settings()).max_rows == 120_000
    monkeypatch.setenv("TRAIN_MAX_ROWS", "10")  # below the rows a run needs at all: refused
    with pytest.raises(ValidationError, match="train_max_rows"):
        Settings()
