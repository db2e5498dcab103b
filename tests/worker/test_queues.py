"""The light promotion worker (`--queues promotion`) takes promotion jobs only, never training."""

from __future__ import annotations

import os
import subprocess
import sys

from redis import Redis
from rq import Queue
from rq.job import JobStatus

from shared.jobs import PROMOTION_QUEUE, TRAINING_QUEUE
from tests.deploy.tools import REPO


def test_the_promotion_worker_leaves_training_jobs_to_the_main_worker(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    training = Queue(TRAINING_QUEUE, connection=redis).enqueue("time.time")  # stands in for a training job
    promotion = Queue(PROMOTION_QUEUE, connection=redis).enqueue("time.time")
    done = subprocess.run(
        [sys.executable, "-m", "services.worker", "--queues", "promotion", "--burst", "--url", redis_url],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert promotion.get_status(refresh=True) == JobStatus.FINISHED
    assert training.get_status(refresh=True) == JobStatus.QUEUED
    assert "rps-worker-promotion-" in done.stderr + done.stdout


def test_an_unknown_queue_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "services.worker", "--queues", "nope", "--burst"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "invalid choice: 'nope'" in done.stderr
