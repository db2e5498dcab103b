"""`python -m services.scheduler`: enqueue training, promotion and the archive on a timer (or one now)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from types import FrameType

from redis import Redis

from services.scheduler import defaults
from services.scheduler.enqueue import enqueue
from services.scheduler.schedule import default_schedule, due
from shared.logs import setup_logging
from shared.settings import ServiceSettings

log = logging.getLogger("services.scheduler")


class SchedulerSettings(ServiceSettings):
    train_every_s: float = defaults.TRAIN_EVERY_S
    promote_every_s: float = defaults.PROMOTE_EVERY_S
    archive_every_s: float = defaults.ARCHIVE_EVERY_S


def main(argv: list[str] | None = None) -> int:
    settings = SchedulerSettings()
    parser = argparse.ArgumentParser(prog="python -m services.scheduler", description=__doc__)
    parser.add_argument(
        "--redis-url", default=settings.redis_url, help="(env REDIS_URL; default %(default)s)"
    )
    parser.add_argument(
        "--train-every", type=float, default=settings.train_every_s, help="seconds (TRAIN_EVERY_S)"
    )
    parser.add_argument(
        "--promote-every", type=float, default=settings.promote_every_s, help="seconds (PROMOTE_EVERY_S)"
    )
    parser.add_argument(
        "--archive-every", type=float, default=settings.archive_every_s, help="seconds (ARCHIVE_EVERY_S)"
    )
    parser.add_argument(
        "--once", choices=("train", "promote", "archive"), help="enqueue this job now and exit"
    )
    parser.add_argument(
        "--wait-first", action="store_true", help="wait one interval before the first enqueue"
    )
    args = parser.parse_args(argv)
    if min(args.train_every, args.promote_every, args.archive_every) <= 0:
        parser.error("intervals must be positive")
    setup_logging("scheduler")
    redis = Redis.from_url(args.redis_url)
    jobs = default_schedule(args.train_every, args.promote_every, args.archive_every)
    if args.once:
        job = next(j for j in jobs if j.name == args.once)
        job_id = enqueue(redis, job)
        print(job_id or f"{job.name}: previous job still pending, nothing enqueued")
        return 0

    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    now = time.monotonic()
    last_run: dict[str, float] = {j.name: now for j in jobs} if args.wait_first else {}
    # Host and database only: the URL's user and password stay out of the log.
    where = redis.connection_pool.connection_kwargs
    log.info(
        "every %.0f s: train; every %.0f s: promote; every %.0f s: archive (redis %s:%s/%s)",
        args.train_every,
        args.promote_every,
        args.archive_every,
        where.get("host"),
        where.get("port"),
        where.get("db"),
    )
    while not stopping:
        now = time.monotonic()
        for job in due(jobs, last_run, now):
            last_run[job.name] = now
            try:
                job_id = enqueue(redis, job)
            except OSError as exc:  # redis down: try again next interval, keep running
                log.warning("could not enqueue %s: %s", job.name, exc)
                continue
            log.info("enqueued %s as %s", job.name, job_id) if job_id else log.info(
                "%s still pending", job.name
            )
        time.sleep(defaults.TICK_S)
    return 0


if __name__ == "__main__":
    sys.exit(main())
