"""The scheduler enqueues due jobs on a real Redis, never piling up a second pending one."""

from __future__ import annotations

from redis import Redis
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from services.scheduler.__main__ import main
from services.scheduler.enqueue import enqueue, pending_job
from services.scheduler.schedule import ScheduledJob, default_schedule, due
from services.worker.queues import job_queue
from shared import jobs

JOB = ScheduledJob(
    "t", "tests.scheduler.jobs.record", "training", every_s=10, timeout_s=60, kwargs={"value": "x"}
)


def test_never_run_jobs_are_due_then_wait_their_interval() -> None:
    jobs = default_schedule(train_every_s=100, promote_every_s=10, archive_every_s=1000)
    assert [j.name for j in due(jobs, {}, now=0)] == ["train", "promote", "archive"]
    assert [j.name for j in due(jobs, {"train": 0, "promote": 0, "archive": 0}, now=50)] == ["promote"]
    assert due(jobs, {"train": 45, "promote": 45, "archive": 45}, now=50) == []


def test_default_schedule_uses_the_shared_queues_and_timeouts() -> None:
    scheduled = {j.name: (j.queue, j.timeout_s) for j in default_schedule(1, 1)}
    assert scheduled == {
        "train": (jobs.TRAINING_QUEUE, jobs.TRAIN_TIMEOUT_S),
        "promote": (jobs.PROMOTION_QUEUE, jobs.PROMOTE_TIMEOUT_S),
        "archive": (jobs.TRAINING_QUEUE, jobs.ARCHIVE_TIMEOUT_S),
    }


def test_enqueue_puts_the_job_path_on_its_queue(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    job_id = enqueue(redis, JOB)
    queue = job_queue("training", redis)
    assert queue.job_ids == [job_id]
    job = queue.fetch_job(job_id)
    assert job.func_name == "tests.scheduler.jobs.record"
    assert job.kwargs == {"value": "x"}


def test_a_pending_job_is_not_enqueued_twice(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    first = enqueue(redis, JOB)
    assert enqueue(redis, JOB) is None
    assert pending_job(redis, JOB) == first
    assert len(job_queue("training", redis)) == 1


def test_after_the_worker_ran_it_the_next_one_is_enqueued(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    first = enqueue(redis, JOB)
    # A plain JSON worker: the project's own refuses functions that are not its jobs.
    queue = job_queue("training", redis)
    SimpleWorker([queue], connection=redis, serializer=JSONSerializer).work(burst=True)
    assert queue.fetch_job(first).return_value() == "x"
    second = enqueue(redis, JOB)
    assert second is not None and second != first


def test_once_enqueues_promotion_on_the_promotion_queue(redis_url: str) -> None:
    assert main(["--redis-url", redis_url, "--once", "promote"]) == 0
    queue = job_queue(jobs.PROMOTION_QUEUE, Redis.from_url(redis_url))
    job_ids = queue.job_ids
    assert len(job_ids) == 1
    job = queue.fetch_job(job_ids[0])
    assert job.func_name == jobs.PROMOTE_JOB


def test_job_paths_name_the_trainer_and_promoter_job_functions() -> None:
    """The scheduler enqueues by path (it never imports them): a rename must fail here, not at 3 a.m."""
    from rq.utils import import_attribute

    for path in (jobs.TRAIN_JOB, jobs.PROMOTE_JOB):
        assert callable(import_attribute(path)), path
