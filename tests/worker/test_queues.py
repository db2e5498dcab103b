"""The light promotion worker (`--queues promotion`) takes promotion jobs only, never training."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from redis import Redis
from rq.job import JobStatus

from services.worker.queues import job_queue
from shared.jobs import PROMOTE_JOB, PROMOTION_QUEUE, TRAIN_JOB, TRAINING_QUEUE
from tests.deploy.tools import REPO


def test_the_promotion_worker_leaves_training_jobs_to_the_main_worker(
    redis_url: str, sqlite_url: str, tmp_path: Path
) -> None:
    redis = Redis.from_url(redis_url)
    training = job_queue(TRAINING_QUEUE, redis).enqueue(TRAIN_JOB)
    promotion = job_queue(PROMOTION_QUEUE, redis).enqueue(PROMOTE_JOB)  # a cycle on empty stores
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "DATABASE_URL": sqlite_url,
        "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "SERVING_CACHE_DIR": str(tmp_path / "serving-cache"),
    }
    env.pop("S3_ENDPOINT_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "services.worker", "--queues", "promotion", "--burst", "--url", redis_url],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert promotion.get_status(refresh=True) == JobStatus.FINISHED, done.stderr[-3000:]
    assert training.get_status(refresh=True) == JobStatus.QUEUED


def test_an_unknown_queue_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "services.worker", "--queues", "nope", "--burst"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "invalid choice: 'nope'" in done.stderr
