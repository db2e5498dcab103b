"""The expert columns' lag codes (shared/features/experts.py): every combination of the six lags."""

from __future__ import annotations

import itertools

import numpy as np

from shared.features import FEATURE_COUNT, GameRounds, Move, build_dataset, deterministic_round_points
from shared.features.experts import EXPERT_COUNT, LAG_CODES, MOVE_LAGS, expert_features, lag_codes


def test_every_combination_of_moves_and_absent_lags_has_its_own_code() -> None:
    rows, expected = [], []
    for digits in itertools.product(range(4), repeat=MOVE_LAGS):  # 3: no move at that lag
        row = np.zeros(FEATURE_COUNT)
        for lag, digit in enumerate(digits):
            if digit < 3:
                row[3 * lag + digit] = 1.0
        rows.append(row)
        expected.append(sum(d * 4 ** (MOVE_LAGS - 1 - i) for i, d in enumerate(digits)))
    x = np.array(rows)
    np.testing.assert_array_equal(lag_codes(x), expected)
    np.testing.assert_array_equal(lag_codes(x.astype(np.float32)), expected)
    assert sorted(expected) == list(range(LAG_CODES))


def test_expert_columns_of_real_feature_rows_depend_only_on_their_lags_and_step() -> None:
    moves = [Move.ROCK, Move.PAPER, Move.SCISSORS, Move.ROCK, Move.ROCK, Move.PAPER, Move.SCISSORS]
    bots = [Move.PAPER, Move.PAPER, Move.ROCK, Move.SCISSORS, Move.PAPER, Move.ROCK, Move.ROCK]
    points = [deterministic_round_points("g", r) for r in range(1, len(moves) + 1)]
    x = build_dataset([GameRounds.from_rounds(moves, bots, points)]).features.astype(np.float64)
    columns = expert_features(x)
    assert columns.shape == (len(x), EXPERT_COUNT)
    changed = x.copy()
    changed[:, 27:48] += 0.5  # values, tendencies and scores: not inputs of the expert columns
    np.testing.assert_array_equal(expert_features(changed), columns)
