"""Enqueue a scheduled job on RQ, unless the previous one of the same schedule is still pending."""

from __future__ import annotations

import time

from redis import Redis
from rq.exceptions import NoSuchJobError
from rq.job import JobStatus

from services.scheduler.defaults import LAST_JOB_KEY
from services.scheduler.schedule import ScheduledJob
from services.worker.queues import fetch_job, job_queue

PENDING = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


def pending_job(redis: Redis, job: ScheduledJob) -> str | None:
    """The id of this schedule's last job if it has not finished yet."""
    raw = redis.get(LAST_JOB_KEY.format(name=job.name))
    if raw is None:
        return None
    job_id = raw.decode() if isinstance(raw, bytes) else str(raw)
    try:
        status = fetch_job(job_id, redis).get_status(refresh=True)
    except NoSuchJobError:
        return None
    return job_id if status in PENDING else None


def enqueue(redis: Redis, job: ScheduledJob) -> str | None:
    """Enqueue `job` and return its id; None when the previous one is still queued or running.

    A slow worker therefore never accumulates a backlog of identical jobs.
    """
    if pending_job(redis, job) is not None:
        return None
    job_id = f"scheduled-{job.name}-{time.time_ns()}"
    job_queue(job.queue, redis).enqueue(
        job.func,
        job_id=job_id,
        job_timeout=job.timeout_s,
        kwargs=dict(job.kwargs),
        description=f"scheduled {job.name}",
    )
    redis.set(LAST_JOB_KEY.format(name=job.name), job_id)
    return job_id
