"""`python -m services.worker [--burst]`: the one RQ worker (queues `promotion`, then `training`).

`python -m services.worker serve-metrics [--port 9108]` serves its jobs' metrics instead
(services/worker/metrics.py; the worker pod's `job-metrics` sidecar).

One job at a time, each in a forked work horse, so a training job's memory (torch, xgboost,
lightgbm, the dataset) is returned to the node when the job ends. Heavy jobs never overlap.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys

# Before any job imports a numeric library: 2 shared cores, one thread each is fastest under load.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

from redis import Redis  # noqa: E402
from rq import Queue, Worker  # noqa: E402

from shared.jobs import WORKER_QUEUES  # noqa: E402
from shared.settings import ServiceSettings  # noqa: E402


def build_worker(redis: Redis, name: str | None = None) -> Worker:
    queues = [Queue(q, connection=redis) for q in WORKER_QUEUES]
    return Worker(queues, connection=redis, name=name or f"rps-worker-{socket.gethostname()}-{os.getpid()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.worker", description=__doc__)
    parser.add_argument("--burst", action="store_true", help="run the queued jobs, then exit")
    parser.add_argument("--url", help="Redis URL (default: REDIS_URL)")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser(
        "serve-metrics", help="serve the rps_promoter_*, rps_trainer_*, rps_drift_* metrics (from the log)"
    )
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=9108)
    args = parser.parse_args(argv)
    if args.command == "serve-metrics":
        from services.worker.metrics import serve_metrics

        serve_metrics(args.host, args.port)
        return 0
    redis = Redis.from_url(args.url or ServiceSettings().redis_url)
    worker = build_worker(redis)
    # Exit 0 whatever work() returns: burst mode with nothing queued is not an error.
    worker.work(burst=args.burst, logging_level="INFO")
    return 0


if __name__ == "__main__":
    sys.exit(main())
