"""Tunables of the trainer, one constant each with its unit."""

from __future__ import annotations

EXPERIMENT = "rps-training"  # MLflow experiment of training runs

MIN_TOTAL_ROWS = 300  # fewer training rows than this: skip (too little to split 60/20/20 and 3-fold)
MIN_NEW_ROWS = 200  # rows that arrived since the family's last run; fewer: skip
FORCE_MIN_ROWS = 100  # `--force` trains below MIN_TOTAL_ROWS down to this floor: every split still has games
MIN_GAMES = 10  # games are the unit of every split: each side needs several
# A run trains on the newest games of the window whose rows add up to at most this (TRAIN_MAX_ROWS),
# so a busy week cannot outgrow the worker: bench_train peaked at 0.84 GiB on 50k rows and 1.54 GiB
# on 200k (~0.6 GiB of imports plus ~4.7 KB a row), and the worker's limit is 960 Mi.
MAX_TRAINING_ROWS = 50_000

HOLDOUT_FRACTIONS = (0.6, 0.2, 0.2)  # step 1: chronological train / validation / holdout, by rows
CANDIDATE_VAL_FRACTION = 0.2  # step 2: games held out for early stopping of the candidate
CV_FOLDS = 3  # step 3
CV_EARLY_STOP_FRACTION = 0.15  # step 3: games of each fold's training part used for early stopping
SPLIT_SEED = 20261126

GATE_MARGIN = 0.0  # points per round a candidate may be worse than Production or B beyond noise (gate.py)
GATE_MIN_ROWS = 30  # unseen holdout rows a comparison with Production and B needs; fewer: refused
CALIBRATION_BINS = 10

# The training-rows cache (rowcache.py).
SEGMENT_ROWS = 100_000  # rows a merge of segment files stops at: one segment in memory is ~40 MB
BUILD_STEP_EVENTS = 100_000  # log positions a (re)build folds and saves at a time
