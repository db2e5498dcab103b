"""`python -m services.trainer train [--family F] [--enqueue|--now] [--force]` and `sync-cache`.

--enqueue (the default) puts a job on the RQ `training` queue for the worker (what the CronJob
runs); --now trains in this process, with a progress bar when stdout is a terminal.
`sync-cache [--clean] [--reload]` makes the serving cache hold what the registry's aliases name
(after a manual alias change in MLflow, or a lost bucket).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from shared import jobs
from shared.features import FAMILIES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m services.trainer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train every family (or one), now or as an RQ job")
    train.add_argument("--family", choices=[f.value for f in FAMILIES], help="only this family")
    mode = train.add_mutually_exclusive_group()
    mode.add_argument("--enqueue", action="store_true", help="enqueue on RQ for the worker (default)")
    mode.add_argument("--now", action="store_true", help="train in this process")
    train.add_argument(
        "--force",
        action="store_true",
        help="train without enough new rows, and below the minimum down to a floor (exit 2: none trained)",
    )
    sync = commands.add_parser("sync-cache", help="copy every aliased version into the serving cache")
    sync.add_argument("--clean", action="store_true", help="also remove every model no alias names")
    sync.add_argument("--reload", action="store_true", help="then ask inference to reload (INTERNAL_TOKEN)")
    return parser


def _enqueue(family: str | None, force: bool) -> str:
    from redis import Redis

    from services.trainer.settings import Settings
    from services.worker.queues import job_queue

    queue = job_queue(jobs.TRAINING_QUEUE, Redis.from_url(Settings().redis_url))
    job = queue.enqueue(
        "services.trainer.jobs.train_job",
        kwargs={"family": family, "force": force},
        job_timeout=jobs.TRAIN_TIMEOUT_S,
        description=f"train {family or 'all families'}",
    )
    return str(job.id)


def _train_now(family: str | None, force: bool) -> dict[str, Any]:
    from services.trainer.jobs import train
    from services.trainer.pipeline import FITS_PER_FAMILY
    from services.trainer.settings import Settings

    families = 1 if family else len(FAMILIES)
    if not sys.stdout.isatty():
        return train(Settings(), family=family, force=force)
    from tqdm import tqdm

    with tqdm(total=families * FITS_PER_FAMILY, unit="fit", desc="training") as bar:

        def progress(step: str) -> None:
            bar.set_postfix_str(step)
            bar.update(1)

        return train(Settings(), family=family, force=force, progress=progress)


def _sync_cache(clean: bool, reload: bool) -> dict[str, Any]:
    from dataclasses import asdict

    from services.trainer.settings import Settings
    from shared.registry import open_client, reload_inference, sync_serving_cache
    from shared.serving_cache import open_cache

    settings = Settings()
    cache = open_cache(settings.serving_cache_dir, settings.s3_endpoint_url, settings.s3_bucket)
    report: dict[str, Any] = asdict(
        sync_serving_cache(cache, open_client(settings.mlflow_tracking_uri), clean)
    )
    if reload:
        report["reload"] = reload_inference(settings.inference_url, settings.internal_token_value).status
    return report


def _summary(report: dict[str, Any]) -> str:
    """One line per family for a person at a terminal (scripts get the JSON)."""
    lines = [f"{report['rows']} rows of {report['games']} games"]
    for f in report["families"]:
        version = f" v{f['version']}" if f["version"] else ""
        accuracy = f["metrics"].get("holdout_accuracy")
        score = f", holdout accuracy {accuracy:.3f}" if accuracy is not None else ""
        moved = f", aliases {f['aliases_after']}" if f["aliases_after"] else ""
        lines.append(f"  {f['family']}: {f['status']}{version}{score}{moved} — {f['reason']}")
    lines.append(f"cache sync: {report['cache_sync']}; inference reload: {report['reload']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "sync-cache":
        print(json.dumps(_sync_cache(args.clean, args.reload), indent=2))
        return 0
    if args.now:
        report = _train_now(args.family, args.force)
        print(_summary(report) if sys.stdout.isatty() else json.dumps(report, indent=2))
        if args.force and not any(f["status"] == "trained" for f in report["families"]):
            reasons = "; ".join(f"{f['family']}: {f['reason']}" for f in report["families"])
            print(f"nothing trained despite --force: {reasons}", file=sys.stderr)
            return 2
        return 0
    print(f"enqueued training job {_enqueue(args.family, args.force)} on queue '{jobs.TRAINING_QUEUE}'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
