from __future__ import annotations

import numpy as np
import pytest

from services.trainer.evaluation import Scores, calibration, confusion_matrix, replay_policy
from services.trainer.events import plan_aliases
from services.trainer.gate import GateVerdict, Incumbent, offline_gate
from shared.features import FEATURE_COUNT, MOVES, Alias, Move, choose_move
from shared.features.features import BOT_TO_WIN, CURRENT_POINTS, USER_TO_WIN


def _scores(accuracy: float, log_loss: float = 0.9) -> Scores:
    return Scores(accuracy, log_loss, 0.5, 0.5, rows=100, games=10, score_per_round=0.3)


RNG = np.random.default_rng(5)
BASE = RNG.normal(0.3, 2.0, 400)  # per-round values of the incumbent's policy: noisy, as in a real replay


def gate(
    candidate: np.ndarray, *incumbents: Incumbent, margin: float = 0.0, min_rows: int = 30
) -> GateVerdict:
    return offline_gate(_scores(0.45), candidate, 0.45, list(incumbents), margin, min_rows, unseen_after=77)


def test_gate_fails_a_candidate_no_better_than_chance() -> None:
    verdict = offline_gate(_scores(0.33), BASE, 0.33, [], 0.0, 30)
    assert not verdict.passed and "chance" in verdict.reason
    assert not offline_gate(_scores(0.5, log_loss=1.2), BASE, 0.5, [], 0.0, 30).passed


def test_gate_passes_a_first_candidate_that_beats_chance() -> None:
    verdict = gate(BASE)
    assert verdict.passed and "no Production or B" in verdict.reason


def test_a_candidate_worse_than_production_on_the_same_rows_is_refused_with_the_figures() -> None:
    production = Incumbent((Alias.PRODUCTION,), 3, BASE, accuracy=0.5)
    worse = BASE - 0.6 + RNG.normal(0, 0.5, BASE.size)
    verdict = gate(worse, production)
    assert not verdict.passed and "worse than Production v3 on the same 400 holdout rows" in verdict.reason
    (c,) = verdict.comparisons
    assert c.difference == pytest.approx(float((worse - BASE).mean()))
    assert c.upper_bound is not None and c.upper_bound < 0 and c.worse
    assert verdict.to_json()["comparisons"][0]["incumbent_score"] == pytest.approx(float(BASE.mean()))
    assert verdict.to_json()["unseen_after"] == 77


def test_a_candidate_as_good_within_noise_passes_and_a_margin_can_demand_more() -> None:
    production = Incumbent((Alias.PRODUCTION, Alias.B), 3, BASE)
    same = BASE + RNG.normal(0, 0.5, BASE.size)  # equal on average, different round by round
    verdict = gate(same, production)
    assert verdict.passed and "not worse" in verdict.reason and "Production and B v3" in verdict.reason
    assert not gate(same, production, margin=-1.0).passed  # demands a point per round more


def test_being_better_than_production_is_not_enough_when_b_is_better_still() -> None:
    production = Incumbent((Alias.PRODUCTION,), 3, BASE - 1.0)
    b = Incumbent((Alias.B,), 4, BASE + 1.0)
    verdict = gate(BASE, production, b)
    assert not verdict.passed and "worse than B v4" in verdict.reason
    assert [c.worse for c in verdict.comparisons] == [False, True]


def test_too_few_unseen_rows_refuse_and_an_incumbent_that_cannot_be_scored_is_named() -> None:
    production = Incumbent((Alias.PRODUCTION,), 3, BASE[:10])
    verdict = gate(BASE[:10], production)
    assert not verdict.passed and "cannot be compared fairly: 10 holdout rows" in verdict.reason
    other = Incumbent((Alias.PRODUCTION,), 2, None, note="other feature contract")
    verdict = gate(BASE[:0], other)
    assert verdict.passed and "Production v2 not comparable: other feature contract" in verdict.reason


def test_first_version_fills_every_alias_later_ones_wait_in_a_free_shadow_slot_never_b() -> None:
    assert plan_aliases({}, 1, passed=True) == dict.fromkeys(Alias, 1)
    assert plan_aliases(dict.fromkeys(Alias, 1), 2, passed=True) == {Alias.SHADOW1: 2}
    under_test = {Alias.PRODUCTION: 1, Alias.B: 2, Alias.SHADOW1: 3, Alias.SHADOW2: 2}
    assert plan_aliases(under_test, 4, passed=True) == {Alias.SHADOW2: 4}
    full = {Alias.PRODUCTION: 1, Alias.B: 2, Alias.SHADOW1: 3, Alias.SHADOW2: 4}
    assert plan_aliases(full, 5, passed=True) == {Alias.SHADOW2: 5}
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
    # The score per round is the policy's stake won minus lost: paper beat rock (+1.6), lost to scissors.
    assert replay.values[0] == 1.6 and replay.values[1] == -1.1
    assert replay.score_per_round == pytest.approx(replay.values.mean())


def test_confusion_matrix_and_calibration_count_every_row() -> None:
    labels = np.array([0, 1, 2, 2])
    assert confusion_matrix(labels, np.array([0, 2, 2, 1])).tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 1]]
    proba = np.array([[0.7, 0.2, 0.1]] * 4)
    predicted, observed, count = calibration(proba, labels, bins=10)
    assert count.sum() == 12
    assert observed[7] == 0.25  # rock predicted 0.7 four times, played once
    assert predicted[7] == 0.7
