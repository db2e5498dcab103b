"""Tunables of the scheduler, one constant each with its unit."""

from __future__ import annotations

# A local run (make run, compose) retrains every 5 minutes; a run with too few new rows skips
# (MIN_NEW_ROWS). At 15 minutes a 3,000-game simulation (about 10 minutes here) ended before
# the first challenger existed, so nothing was ever tested live.
TRAIN_EVERY_S = 300.0
PROMOTE_EVERY_S = 60.0  # a cycle folds only new events (and has its own worker): look every minute
TICK_S = 1.0  # how often the loop checks what is due
LAST_JOB_KEY = (
    "rps:scheduler:{name}:last_job"  # Redis key holding the id of the last job enqueued per schedule
)
