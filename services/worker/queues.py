"""The RQ wire format of every queue: JSON, and only the project's own job functions run.

RQ's default pickle serializer runs code while a job is read, so anything that could write a job
into Redis could run code in the worker. With JSON, a job is data; `KnownJob` then refuses any
function or callback that is not one of ours, so a forged job cannot name `os.system` either.
Every Queue and Worker of the project is built here (enqueuers, workers, `make run`).
"""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

from redis import Redis
from rq import Queue, Worker
from rq.job import Job
from rq.serializers import JSONSerializer

from shared.jobs import ARCHIVE_JOB, PROMOTE_JOB, TRAIN_JOB

KNOWN_JOBS = frozenset({TRAIN_JOB, PROMOTE_JOB, ARCHIVE_JOB})
INTERRUPTED = "interrupted: the worker was stopped (cold shutdown) while the job ran"


class UnknownJobError(Exception):
    """A job names a function or callback that is not one of the project's jobs."""


class KnownJob(Job):
    """A job that imports only the functions in KNOWN_JOBS and no callbacks at all."""

    @property
    def func(self) -> Callable[..., Any] | None:
        if self.func_name is not None and self.func_name not in KNOWN_JOBS:
            raise UnknownJobError(f"refusing job {self.id}: {self.func_name!r} is not a known job")
        return super().func  # type: ignore[no-any-return]

    def _refuse_callbacks(self) -> None:
        names = (self._success_callback_name, self._failure_callback_name, self._stopped_callback_name)
        if any(names):
            raise UnknownJobError(f"refusing job {self.id}: callbacks {[n for n in names if n]}")

    @property
    def success_callback(self) -> Any:
        self._refuse_callbacks()
        return None

    @property
    def failure_callback(self) -> Any:
        self._refuse_callbacks()
        return None

    @property
    def stopped_callback(self) -> Any:
        self._refuse_callbacks()
        return None


def job_queue(name: str, connection: Redis) -> Queue:
    """The RQ queue `name` with the project's JSON serializer."""
    return Queue(name, connection=connection, serializer=JSONSerializer, job_class=KnownJob)


def fetch_job(job_id: str, connection: Redis) -> Job:
    """A job by id, read with the project's JSON serializer."""
    return KnownJob.fetch(job_id, connection=connection, serializer=JSONSerializer)


class RpsWorker(Worker):
    """RQ's worker; with `cold_shutdown`, the first SIGTERM/SIGINT stops the work horse at once."""

    cold_shutdown = False

    def _install_signal_handlers(self) -> None:
        if not self.cold_shutdown:
            super()._install_signal_handlers()  # type: ignore[no-untyped-call]
            return
        signal.signal(signal.SIGINT, self._stop_cold)
        signal.signal(signal.SIGTERM, self._stop_cold)

    def _stop_cold(self, signum: int, frame: FrameType | None) -> None:
        # Ctrl-C delivers SIGINT and the supervisor SIGTERM: handle the first one only.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        job = self.get_current_job()
        if self.horse_pid:
            self.kill_horse()
            self.wait_for_horse()
        if job is not None:
            queue = job_queue(job.origin, self.connection)
            self.handle_job_failure(job, queue=queue, exc_string=INTERRUPTED)
        raise SystemExit(0)


def build_worker(
    connection: Redis, queues: Sequence[str], name: str | None = None, cold_shutdown: bool = False
) -> RpsWorker:
    """An RQ worker on `queues` (in priority order) that runs only known jobs, read as JSON."""
    worker = RpsWorker(
        [job_queue(q, connection) for q in queues],
        connection=connection,
        name=name or f"rps-worker-{socket.gethostname()}-{os.getpid()}",
        serializer=JSONSerializer,
        job_class=KnownJob,
    )
    worker.cold_shutdown = cold_shutdown
    return worker
