"""Tunables of the scheduler, one constant each with its unit."""

from __future__ import annotations

TRAIN_EVERY_S = 900.0  # a new challenger of every family each 15 minutes of a local run
PROMOTE_EVERY_S = 120.0  # promotion is cheap: look at the evidence every 2 minutes
TICK_S = 1.0  # how often the loop checks what is due
LAST_JOB_KEY = (
    "rps:scheduler:{name}:last_job"  # Redis key holding the id of the last job enqueued per schedule
)
