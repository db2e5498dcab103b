"""The drift statistics: known values, and windows that slide."""

from __future__ import annotations

import math

import pytest

from shared.features.drift import (
    CalibrationWindow,
    PlayerWindow,
    brier_score,
    conditional_entropy_bits,
    entropy_bits,
    expected_calibration_error,
)

UNIFORM = [1 / 3, 1 / 3, 1 / 3]


def test_brier_score_of_perfect_uniform_and_wrong_predictions() -> None:
    assert brier_score([[1.0, 0.0, 0.0]], [0]) == 0.0
    assert brier_score([UNIFORM] * 3, [0, 1, 2]) == pytest.approx(2 / 3)
    assert brier_score([[0.0, 1.0, 0.0]], [0]) == 2.0
    assert math.isnan(brier_score([], []))


def test_expected_calibration_error_is_the_gap_between_confidence_and_accuracy() -> None:
    assert expected_calibration_error([[0.9, 0.05, 0.05]] * 10, [0] * 9 + [1]) == pytest.approx(0.0)
    # 0.9 confident, right half the time: 0.4 off.
    assert expected_calibration_error([[0.9, 0.05, 0.05]] * 10, [0] * 5 + [1] * 5) == pytest.approx(0.4)
    # two bins weighted by their rows: 0.5 confident always right (0.5 off), 0.9 never wrong (0.1 off)
    rows = [[0.5, 0.3, 0.2]] * 2 + [[0.9, 0.05, 0.05]] * 2
    assert expected_calibration_error(rows, [0, 0, 0, 0]) == pytest.approx((2 * 0.5 + 2 * 0.1) / 4)


def test_entropies_in_bits() -> None:
    assert entropy_bits([5, 5, 5]) == pytest.approx(math.log2(3))
    assert entropy_bits([7, 0, 0]) == 0.0
    assert math.isnan(entropy_bits([0, 0, 0]))
    assert conditional_entropy_bits([[4, 0, 0], [0, 4, 0], [0, 0, 4]]) == 0.0  # always repeats
    assert conditional_entropy_bits([[2, 2, 0], [0, 0, 0], [0, 0, 0]]) == pytest.approx(1.0)


def test_windows_keep_only_the_last_rounds() -> None:
    calibration = CalibrationWindow(size=2)
    calibration.add([0.0, 1.0, 0.0], 0)  # the worst prediction, then pushed out
    calibration.add([1.0, 0.0, 0.0], 0)
    calibration.add(UNIFORM, 1)
    assert len(calibration.rows) == 2
    assert calibration.brier() == pytest.approx((0.0 + 2 / 3) / 2)

    players = PlayerWindow(size=3)
    for previous, move, fallback in [(-1, 0, True), (0, 0, False), (0, 0, False), (0, 1, False)]:
        players.add(previous, move, fallback)
    assert players.moves == [2, 1, 0] and players.fallbacks == 0  # the first round left the window
    assert players.pairs[0] == [2, 1, 0]
    assert players.fallback_share() == 0.0
    assert players.move_entropy() == pytest.approx(entropy_bits([2, 1]))
