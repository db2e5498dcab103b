from __future__ import annotations

import numpy as np

from services.trainer.evaluation import Scores, calibration, confusion_matrix, replay_policy
from services.trainer.events import plan_aliases
from services.trainer.gate import ProductionScores, offline_gate
from shared.features import FEATURE_COUNT, MOVES, Alias, Move, choose_move
from shared.features.features import BOT_TO_WIN, CURRENT_POINTS, USER_TO_WIN


def _scores(accuracy: float, log_loss: float = 0.9) -> Scores:
    return Scores(accuracy, log_loss, 0.5, 0.5, rows=100, games=10)


def test_gate_fails_a_candidate_no_better_than_chance() -> None:
    verdict = offline_gate(_scores(0.33), None, margin=0.02)
    assert not verdict.passed and "chance" in verdict.reason
    assert not offline_gate(_scores(0.5, log_loss=1.2), None, margin=0.02).passed


def test_gate_passes_a_first_candidate_that_beats_chance() -> None:
    verdict = offline_gate(_scores(0.45), None, margin=0.02)
    assert verdict.passed and "no Production" in verdict.reason


def test_gate_compares_with_production_on_the_same_holdout_within_the_margin() -> None:
    production = ProductionScores(3, _scores(0.50))
    assert offline_gate(_scores(0.485), production, margin=0.02).passed
    failed = offline_gate(_scores(0.47), production, margin=0.02)
    assert not failed.passed and "below Production v3" in failed.reason
    assert failed.production_accuracy == 0.50 and failed.to_json()["production_version"] == 3


def test_gate_passes_when_production_cannot_be_scored_and_says_why() -> None:
    verdict = offline_gate(_scores(0.45), ProductionScores(2, None, "other feature contract"), 0.02)
    assert verdict.passed and "other feature contract" in verdict.reason


def test_first_version_fills_every_alias_later_ones_only_shadow2() -> None:
    assert plan_aliases({}, 1, passed=True) == dict.fromkeys(Alias, 1)
    assert plan_aliases({Alias.PRODUCTION: 1}, 2, passed=True) == {Alias.SHADOW2: 2}
    assert plan_aliases({}, 1, passed=False) is None


def _row(points: tuple[float, float, float], user_score: float, bot_score: float) -> np.ndarray:
    row = np.zeros(FEATURE_COUNT)
    row[CURRENT_POINTS : CURRENT_POINTS + 3] = points
    row[USER_TO_WIN] = 10 - user_score
    row[BOT_TO_WIN] = 10 - bot_score
    return row


def test_replay_uses_the_policy_with_the_recorded_values_and_scores() -> None:
    points = (1.0, 1.6, 1.1)
    features = np.stack([_row(points, 0, 0), _row(points, 0, 0), _row(points, 2, 9.5)])
    proba = np.array([[0.8, 0.1, 0.1], [0.8, 0.1, 0.1], [0.1, 0.1, 0.8]])
    labels = np.array([0, 2, 2])  # rock, scissors, scissors
    expected = [
        choose_move(dict(zip(MOVES, p, strict=True)), dict(zip(MOVES, points, strict=True)), u, b)
        for p, (u, b) in zip(proba, [(0, 0), (0, 0), (2, 9.5)], strict=True)
    ]
    assert expected[0] is Move.PAPER  # paper beats the likely rock
    replay = replay_policy(proba, features, labels, np.array([0, 0, 1]))
    # game 0: paper beats rock (+1.6 bot), scissors beats paper (+1.1 player) -> bot ahead
    # game 1: the bot's choice vs scissors decides it
    bot_wins_last = expected[2] is Move.ROCK
    assert replay.round_win_rate == (1 + bot_wins_last) / 3
    assert replay.game_win_rate == (1 + bot_wins_last) / 2
    assert replay.games == 2


def test_confusion_matrix_and_calibration_count_every_row() -> None:
    labels = np.array([0, 1, 2, 2])
    assert confusion_matrix(labels, np.array([0, 2, 2, 1])).tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 1]]
    proba = np.array([[0.7, 0.2, 0.1]] * 4)
    predicted, observed, count = calibration(proba, labels, bins=10)
    assert count.sum() == 12
    assert observed[7] == 0.25  # rock predicted 0.7 four times, played once
    assert predicted[7] == 0.7
