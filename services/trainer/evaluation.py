"""Holdout metrics: accuracy, log loss, the policy's score per round and the win rate it would have had.

Replay: for every holdout row the policy (shared.features.choose_move) picks a bot move from the
model's probabilities, the row's recorded round values and the recorded scores before the round,
and `shared.features.round_value` scores it against the recorded player move (as
`replayed_value`, the promoter's paired replay too): the bot's move's points if it beats the
player's, minus the player's move's points if the player's move beats it, 0 on a draw. The score
per round is the mean of these values. Per game, the bot wins the replayed game if its replayed
points exceed the player's over the game's model rounds; the game win rate is the share of holdout
games won. The round win rate is the share of rounds won.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from shared.features import MOVES, Family, choose_move, round_value
from shared.features.drift import brier_score, expected_calibration_error
from shared.features.features import BOT_TO_WIN, CURRENT_POINTS, USER_TO_WIN
from shared.features.scoring import TARGET_POINTS
from shared.models import log_loss

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

CHANCE_ACCURACY = 1.0 / 3.0
CHANCE_LOG_LOSS = float(np.log(3.0))
CHANCE_BRIER = 2.0 / 3.0


@dataclass(frozen=True, slots=True)
class Replay:
    values: FloatArray  # per row: the policy's replayed round value (module docstring)
    round_win_rate: float
    game_win_rate: float
    games: int

    @property
    def score_per_round(self) -> float:
        return float(self.values.mean()) if len(self.values) else 0.0


@dataclass(frozen=True, slots=True)
class Scores:
    accuracy: float
    log_loss: float
    round_win_rate: float
    game_win_rate: float
    rows: int
    games: int
    brier_score: float = float("nan")  # the live drift gauges' reference (shared.features.drift)
    ece: float = float("nan")
    score_per_round: float = 0.0

    def as_metrics(self, prefix: str) -> dict[str, float]:
        return {
            f"{prefix}_accuracy": self.accuracy,
            f"{prefix}_log_loss": self.log_loss,
            f"{prefix}_score_per_round": self.score_per_round,
            f"{prefix}_round_win_rate": self.round_win_rate,
            f"{prefix}_game_win_rate": self.game_win_rate,
            f"{prefix}_brier_score": self.brier_score,
            f"{prefix}_ece": self.ece,
        }


def replay_policy(proba: FloatArray, features: FloatArray, labels: IntArray, game_index: IntArray) -> Replay:
    """The rounds and games the policy would have won on recorded rounds (see the module docstring)."""
    n = len(labels)
    if n == 0:
        return Replay(np.zeros(0), 0.0, 0.0, 0)
    bot_gain = np.zeros(n)
    user_gain = np.zeros(n)
    value = np.zeros(n)
    for i in range(n):
        row_points = features[i, CURRENT_POINTS : CURRENT_POINTS + 3]
        points = {m: float(row_points[j]) for j, m in enumerate(MOVES)}
        user_score = TARGET_POINTS - float(features[i, USER_TO_WIN])
        bot_score = TARGET_POINTS - float(features[i, BOT_TO_WIN])
        probabilities = {m: float(proba[i, j]) for j, m in enumerate(MOVES)}
        bot = choose_move(probabilities, points, user_score, bot_score)
        user = MOVES[int(labels[i])]
        value[i] = round_value(bot, user, points)
        if value[i] > 0:
            bot_gain[i] = points[bot]
        elif value[i] < 0:
            user_gain[i] = points[user]
    games, inverse = np.unique(game_index, return_inverse=True)
    bot_points = np.bincount(inverse, weights=bot_gain, minlength=games.size)
    user_points = np.bincount(inverse, weights=user_gain, minlength=games.size)
    return Replay(
        values=value,
        round_win_rate=float((value > 0).mean()),
        game_win_rate=float((bot_points > user_points).mean()),
        games=int(games.size),
    )


def score(
    proba: FloatArray, features: FloatArray, labels: IntArray, game_index: IntArray, family: Family
) -> Scores:
    """Every holdout metric of one model's probabilities. `family` picks nothing today (every
    policy is expected value over the same probabilities) but keeps the policy explicit."""
    del family
    replay = replay_policy(proba, features, labels, game_index)
    return Scores(
        accuracy=float((proba.argmax(axis=1) == labels).mean()) if len(labels) else 0.0,
        log_loss=log_loss(labels, proba) if len(labels) else CHANCE_LOG_LOSS,
        round_win_rate=replay.round_win_rate,
        game_win_rate=replay.game_win_rate,
        rows=len(labels),
        games=replay.games,
        brier_score=brier_score(proba, labels) if len(labels) else CHANCE_BRIER,
        ece=expected_calibration_error(proba, labels) if len(labels) else 0.0,
        score_per_round=replay.score_per_round,
    )


def confusion_matrix(labels: IntArray, predicted: IntArray) -> IntArray:
    """[true, predicted] counts in (rock, paper, scissors) order."""
    matrix = np.zeros((3, 3), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix


def calibration(proba: FloatArray, labels: IntArray, bins: int) -> tuple[FloatArray, FloatArray, IntArray]:
    """One-vs-rest reliability over all classes: (mean predicted, observed frequency, count) per bin."""
    predicted = proba.ravel()
    observed = (np.arange(3)[None, :] == labels[:, None]).ravel().astype(np.float64)
    which = np.minimum((predicted * bins).astype(np.int64), bins - 1)
    count = np.bincount(which, minlength=bins)
    safe = np.maximum(count, 1)
    mean_predicted = np.bincount(which, weights=predicted, minlength=bins) / safe
    frequency = np.bincount(which, weights=observed, minlength=bins) / safe
    return mean_predicted, frequency, count
