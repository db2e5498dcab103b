"""The RQ jobs every process names: queues, job paths and timeouts, one constant each with its unit.

Imported by the worker, the scheduler, the CLIs that enqueue and the manifests' checks, so no
copy has to be kept equal by a test. Pure: no Redis, no RQ import.
"""

from __future__ import annotations

PROMOTION_QUEUE = "promotion"
TRAINING_QUEUE = "training"
# The worker's queues in priority order: a promotion waiting behind a training run would delay a rollback.
WORKER_QUEUES: tuple[str, ...] = (PROMOTION_QUEUE, TRAINING_QUEUE)

# Job functions as RQ import paths: whoever enqueues need not import the services that own them.
TRAIN_JOB = "services.trainer.jobs.train_job"
PROMOTE_JOB = "services.promoter.jobs.promote_job"

TRAIN_TIMEOUT_S = 1800  # one training run, all families
PROMOTE_TIMEOUT_S = 300  # one promotion cycle

ARCHIVE_JOB = "services.relay.jobs.archive_job"
ARCHIVE_TIMEOUT_S = 1800  # moving a day's old games out of the database
