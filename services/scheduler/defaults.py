"""Tunables of the scheduler, one constant each with its unit."""

from __future__ import annotations

# A local run (make run, compose) asks for a training run every minute; the trainer skips a
# family until MIN_NEW_ROWS new rows arrived. A fixed 15, then 5 minutes was slower than a
# 3,000-game simulation (4 to 10 minutes here): it ended before the first challenger existed,
# so nothing was ever tested live. The cluster's CronJobs keep their own schedule.
TRAIN_EVERY_S = 60.0
PROMOTE_EVERY_S = 30.0  # a cycle folds only new events and has its own worker: look twice a minute
# The archive moves games older than the training window (days): hourly keeps a long local run's
# database as bounded as the cluster's nightly CronJob does, and a run with nothing to move is cheap.
ARCHIVE_EVERY_S = 3600.0
TICK_S = 1.0  # how often the loop checks what is due
LAST_JOB_KEY = (
    "rps:scheduler:{name}:last_job"  # Redis key holding the id of the last job enqueued per schedule
)
