"""Tunables of the scheduler, one constant each with its unit."""

from __future__ import annotations

# Job functions, as RQ import paths: the scheduler never imports the services that own them.
TRAIN_JOB = "services.trainer.jobs.train_job"
PROMOTE_JOB = "services.promoter.jobs.promote_job"
TRAINING_QUEUE = "training"
PROMOTION_QUEUE = "promotion"

TRAIN_EVERY_S = 900.0  # a new challenger of every family each 15 minutes of a local run
PROMOTE_EVERY_S = 120.0  # promotion is cheap: look at the evidence every 2 minutes
TICK_S = 1.0  # how often the loop checks what is due
TRAIN_TIMEOUT_S = 1800  # RQ job timeout of one training run
PROMOTE_TIMEOUT_S = 300
LAST_JOB_KEY = (
    "rps:scheduler:{name}:last_job"  # Redis key holding the id of the last job enqueued per schedule
)
