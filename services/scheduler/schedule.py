"""What to enqueue and when: a pure schedule of fixed-interval jobs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.scheduler import defaults
from shared import jobs


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    name: str
    func: str  # RQ import path of the job function
    queue: str
    every_s: float
    timeout_s: int
    kwargs: Mapping[str, Any] = field(default_factory=dict)


def default_schedule(
    train_every_s: float, promote_every_s: float, archive_every_s: float = defaults.ARCHIVE_EVERY_S
) -> tuple[ScheduledJob, ...]:
    return (
        ScheduledJob("train", jobs.TRAIN_JOB, jobs.TRAINING_QUEUE, train_every_s, jobs.TRAIN_TIMEOUT_S),
        ScheduledJob(
            "promote", jobs.PROMOTE_JOB, jobs.PROMOTION_QUEUE, promote_every_s, jobs.PROMOTE_TIMEOUT_S
        ),
        ScheduledJob(
            "archive", jobs.ARCHIVE_JOB, jobs.TRAINING_QUEUE, archive_every_s, jobs.ARCHIVE_TIMEOUT_S
        ),
    )


def due(jobs: Sequence[ScheduledJob], last_run: Mapping[str, float], now: float) -> list[ScheduledJob]:
    """The jobs whose interval has passed since their last run (never-run jobs are due)."""
    return [j for j in jobs if j.name not in last_run or now - last_run[j.name] >= j.every_s]


def scheduled_job(name: str) -> ScheduledJob:
    """The default schedule's job by name (`train`, `promote` or `archive`), for enqueueing it now."""
    jobs = {j.name: j for j in default_schedule(defaults.TRAIN_EVERY_S, defaults.PROMOTE_EVERY_S)}
    try:
        return jobs[name]
    except KeyError:
        raise ValueError(f"unknown scheduled job {name!r}; known: {', '.join(jobs)}") from None
