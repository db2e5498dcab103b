"""`python -m services.worker [--burst] [--shutdown warm|cold] [--queues Q ...]`: an RQ worker.

By default the worker of `promotion`, then `training`; `--queues promotion` is the light
promotion worker, which takes only promotion jobs so a cycle runs on time even while the main
worker trains (48 MB idle; a cycle's work horse imports MLflow: docs/operations.md, "Memory").

`python -m services.worker serve-metrics [--port 9108]` serves its jobs' metrics instead
(services/worker/metrics.py; the worker pod's `job-metrics` sidecar).
`python -m services.worker create-buckets --endpoint-url URL BUCKET...` creates S3 buckets (the
one-shot bucket job of compose and the cluster).

One job at a time, each in a forked work horse, so a training job's memory (torch, xgboost,
lightgbm, the dataset) is returned to the node when the job ends. Heavy jobs never overlap.
On SIGTERM/SIGINT a warm shutdown (the cluster) lets the running job finish; a cold one
(`make run`, compose) stops its work horse at once and records the job as failed.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

# Before any job imports a numeric library: 2 shared cores, one thread each is fastest under load.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

from redis import Redis  # noqa: E402

from services.worker.queues import build_worker  # noqa: E402
from shared.jobs import WORKER_QUEUES  # noqa: E402
from shared.logs import setup_logging  # noqa: E402
from shared.settings import ServiceSettings  # noqa: E402

log = logging.getLogger("services.worker")
BUCKETS_WAIT_S = 120.0  # how long create-buckets waits for a starting S3 server


def create_buckets(endpoint_url: str, buckets: list[str], wait_s: float = BUCKETS_WAIT_S) -> None:
    """Create each bucket unless this identity already owns it (idempotent), once the server answers."""
    import boto3  # type: ignore[import-untyped]
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

    client = boto3.client("s3", endpoint_url=endpoint_url)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            client.list_buckets()
            break
        except (BotoCoreError, ClientError) as exc:  # a server still starting refuses or answers 5xx
            if time.monotonic() > deadline:
                raise SystemExit(f"S3 at {endpoint_url} did not answer in {wait_s:.0f} s: {exc}") from exc
            time.sleep(1)
    for bucket in buckets:
        try:
            client.create_bucket(Bucket=bucket)
            log.info("created bucket %s", bucket)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
            log.info("bucket %s exists", bucket)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.worker", description=__doc__)
    parser.add_argument("--burst", action="store_true", help="run the queued jobs, then exit")
    parser.add_argument("--url", help="Redis URL (default: REDIS_URL)")
    parser.add_argument(
        "--shutdown",
        choices=("warm", "cold"),
        default="warm",
        help="on SIGTERM/SIGINT: let the running job finish (warm, default) or stop it now (cold)",
    )
    parser.add_argument(
        "--queues",
        nargs="+",
        choices=WORKER_QUEUES,
        default=list(WORKER_QUEUES),
        help="queues in priority order (default: %(default)s)",
    )
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser(
        "serve-metrics", help="serve the rps_promoter_*, rps_trainer_*, rps_drift_* metrics (from the log)"
    )
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=9108)
    buckets = commands.add_parser("create-buckets", help="create S3 buckets (credentials: AWS_* variables)")
    buckets.add_argument("--endpoint-url", required=True, help="the S3 server, e.g. http://seaweedfs:8333")
    buckets.add_argument("bucket", nargs="+")
    args = parser.parse_args(argv)
    setup_logging("job-metrics" if args.command == "serve-metrics" else "worker")
    if args.command == "serve-metrics":
        from services.worker.metrics import serve_metrics

        serve_metrics(args.host, args.port)
        return 0
    if args.command == "create-buckets":
        create_buckets(args.endpoint_url, args.bucket)
        return 0
    redis = Redis.from_url(args.url or ServiceSettings().redis_url)
    worker = build_worker(redis, args.queues, cold_shutdown=args.shutdown == "cold")
    # Exit 0 whatever work() returns: burst mode with nothing queued is not an error.
    worker.work(burst=args.burst, logging_level="INFO")
    return 0


if __name__ == "__main__":
    sys.exit(main())
