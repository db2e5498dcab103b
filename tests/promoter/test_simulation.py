"""The repeated-decision process on simulated paired games (seeded; the fast version of the bench's).

Round model and traffic in tests/promoter/simulation.py; the full figures are in
bench/results.md ("Promoter") and docs/operations.md ("Promotion").
"""

from __future__ import annotations

import numpy as np

from tests.promoter.simulation import RoundModel, simulate

MIX_GAMES = 3000  # games of the default mix: the four families share them
FAMILY_GAMES = MIX_GAMES // 4
DAY_CYCLES = 24 * 3600 // 120  # a cycle every PROMOTE_EVERY_S = 120 s
GAMES_PER_CYCLE = 111  # per family: the 9,100 simulated games in 41 minutes, over 4 families


def test_a_challenger_winning_2_points_more_rounds_is_promoted_within_3000_mix_games_in_80_percent() -> None:
    rng = np.random.default_rng(11)
    model = RoundModel(advantage=0.02)
    runs = [simulate(model, rng, cycles=FAMILY_GAMES // 25, games_per_cycle=25) for _ in range(150)]
    promoted = [run.promoted_after for run in runs if run.promoted_after is not None]
    assert len(promoted) / len(runs) >= 0.8, sorted(promoted)
    assert all(run.rejections == 0 for run in runs if run.promoted_after is not None)


def test_between_equal_models_fewer_than_5_percent_of_24_hour_runs_ever_swap() -> None:
    # Each run: one equal challenger under test for up to a day of cycles (the test ends in a rejection).
    rng = np.random.default_rng(7)
    runs = [
        simulate(RoundModel(), rng, cycles=DAY_CYCLES, games_per_cycle=GAMES_PER_CYCLE) for _ in range(200)
    ]
    false_swaps = sum(1 for run in runs if run.promoted_after is not None)
    assert false_swaps / len(runs) < 0.05, false_swaps
    assert sum(run.rejections for run in runs) + false_swaps == len(runs)  # every test was decided
