"""`python -m services.promoter promote|rollback|evidence`: the promoter's command line.

Its gauges are served by `python -m services.worker serve-metrics` (with the trainer's).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from services.promoter.settings import Settings
from shared.features import FAMILIES, Family
from shared.jobs import PROMOTE_JOB, PROMOTE_TIMEOUT_S, PROMOTION_QUEUE

# Jobs, the registry and MLflow are imported by the commands that use them: `promote --enqueue`
# runs in a small CronJob and `import mlflow` alone costs ~160 MB.


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m services.promoter", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    promote = commands.add_parser("promote", help="run a promotion cycle (now, or enqueue it on RQ)")
    promote.add_argument("--family", choices=[f.value for f in FAMILIES], help="one family (default: all)")
    when = promote.add_mutually_exclusive_group()
    when.add_argument("--now", action="store_true", help="run in this process (the default)")
    when.add_argument(
        "--enqueue", action="store_true", help=f"enqueue on the RQ queue '{PROMOTION_QUEUE}' (REDIS_URL)"
    )
    rollback = commands.add_parser("rollback", help="restore the previous Production of a family")
    rollback.add_argument("--family", required=True, choices=[f.value for f in FAMILIES])
    evidence = commands.add_parser("evidence", help="print the evidence of every aliased version")
    evidence.add_argument("--family", choices=[f.value for f in FAMILIES], help="one family (default: all)")
    evidence.add_argument(
        "--rebuild", action="store_true", help="forget the evidence checkpoint and fold the whole log again"
    )
    return parser


def _enqueue(family: str | None) -> str:
    import redis

    from services.worker.queues import job_queue

    queue = job_queue(PROMOTION_QUEUE, redis.Redis.from_url(Settings().redis_url))
    job = queue.enqueue(PROMOTE_JOB, family, job_timeout=PROMOTE_TIMEOUT_S)
    return str(job.id)


def _evidence(family: str | None, rebuild: bool) -> str:
    from services.promoter.apply import registry_aliases
    from services.promoter.jobs import open_edges, open_store
    from services.promoter.source import load_evidence, rebuild_evidence
    from services.promoter.table import evidence_table
    from shared.promotion import load_status

    settings = Settings()
    store = open_store(settings)
    try:
        evidence = rebuild_evidence(store) if rebuild else load_evidence(store)
        status = load_status(store)
        edges = open_edges(settings)
        families = FAMILIES if family is None else (Family(family),)
        blocks = []
        for fam in families:
            block = evidence_table(fam, registry_aliases(edges.client, fam), evidence)
            last = status.get(fam.value)
            if last is not None:
                block += f"\nlast cycle: {last['action']}: {last['reason']}"
            blocks.append(block)
        return f"evidence up to log position {evidence.last_position}\n\n" + "\n\n".join(blocks)
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)

    if args.command == "promote" and args.enqueue:
        print(f"enqueued promotion job {_enqueue(args.family)} on queue '{PROMOTION_QUEUE}'")
    elif args.command == "promote":
        from services.promoter.jobs import promote_job

        print(json.dumps(promote_job(args.family), indent=2))
    elif args.command == "rollback":
        from services.promoter.decision import RollbackImpossibleError
        from services.promoter.jobs import rollback_job

        try:
            print(json.dumps(rollback_job(args.family), indent=2))
        except RollbackImpossibleError as exc:
            print(f"rollback refused: {exc}", file=sys.stderr)
            return 2
    else:
        print(_evidence(args.family, args.rebuild))
    return 0


if __name__ == "__main__":
    sys.exit(main())
