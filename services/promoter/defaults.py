"""Tunables of the promotion rule, one constant each with its unit (see docs/operations.md, "Promotion").

The figures they give (false swaps, games to promotion) are measured by tests/promoter/simulation.py
and bench/bench_promoter.py; change one and rerun the bench.
"""

from __future__ import annotations

# Error level of the always-valid confidence sequence on the paired per-game difference (two-sided):
# a B no better than Production is promoted with probability <= ALPHA / 2 however often it is looked at.
ALPHA = 0.10
# Paired games at which the sequence is tightest (its mixture's tuning; about the games a
# family gets in an hour of the default local traffic).
TIGHTEST_AT_GAMES = 500.0
# Paired games (B against Production) before either verdict: the variance estimate needs some.
MIN_PAIRED_GAMES = 50
# Reject B once the sequence's upper bound on its advantage falls below this (points per game,
# B minus Production; about 1 percentage point more rounds won at 12 model rounds a game).
MEANINGFUL_POINTS_PER_GAME = 0.25
# Reject B after this many paired games without a verdict (the evidence budget of one test).
MAX_PAIRED_GAMES = 6000

# Live guard: never promote a B whose live game win rate is below Production's with z below this
# (one-sided 1%), and not before B served this many finished games.
GUARD_Z = -2.33
MIN_LIVE_GAMES_B = 20
