"""Policies: turn predicted player-move probabilities into a bot move (DESIGN §4)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from shared.features.families import Family
from shared.features.moves import MOVES, Move, beaten_by, beater_of
from shared.features.points import RoundPoints
from shared.features.scoring import TARGET_TENTHS, to_tenths

# Winning the game is worth as much as the points it takes to win one.
GAME_VALUE = 10.0

Probabilities = Mapping[Move, float]


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    family: Family
    description: str


POLICIES: tuple[Policy, ...] = (
    Policy("brian", Family.FEEDFORWARD, "PyTorch feed-forward net, expected-value play"),
    Policy("forrest", Family.XGBOOST, "XGBoost gradient-boosted trees, expected-value play"),
    Policy("logan", Family.MNLOGIT, "multinomial logistic regression, expected-value play"),
    Policy("lily", Family.LIGHTGBM, "LightGBM gradient-boosted trees, expected-value play"),
)
POLICIES_BY_NAME: dict[str, Policy] = {p.name: p for p in POLICIES}
POLICY_BY_FAMILY: dict[Family, Policy] = {p.family: p for p in POLICIES}


def get_policy(name: str) -> Policy:
    """The policy by name; ValueError names the known ones."""
    try:
        return POLICIES_BY_NAME[name]
    except KeyError:
        known = ", ".join(POLICIES_BY_NAME)
        raise ValueError(f"unknown policy {name!r}; known: {known}") from None


def _stake(score: float, points: float) -> float:
    """What winning a round with `points` is worth to a side at `score`."""
    reaches_target = to_tenths(score) + to_tenths(points) >= TARGET_TENTHS
    return points + (GAME_VALUE if reaches_target else 0.0)


def expected_values(
    probabilities: Probabilities, points: RoundPoints, user_score: float, bot_score: float
) -> dict[Move, float]:
    """For each bot move: what it wins times P(player plays the move it beats),
    minus what the player's beating move wins times its probability."""
    values: dict[Move, float] = {}
    for move in MOVES:
        beaten, beater = beaten_by(move), beater_of(move)
        gain = _stake(bot_score, points[move]) * probabilities[beaten]
        loss = _stake(user_score, points[beater]) * probabilities[beater]
        values[move] = gain - loss
    return values


def choose_move(
    probabilities: Probabilities, points: RoundPoints, user_score: float, bot_score: float
) -> Move:
    """The expected-value-maximising bot move; ties go to the earlier of rock, paper, scissors."""
    values = expected_values(probabilities, points, user_score, bot_score)
    best = MOVES[0]
    for move in MOVES[1:]:
        if values[move] > values[best]:
            best = move
    return best


def round_value(bot_move: Move, user_move: Move, points: RoundPoints) -> float:
    """What the round scores for the bot: its move's points if it wins, minus the player's move's
    points if the player wins, 0 on a draw (score_round's deltas as one signed number)."""
    if beaten_by(bot_move) is user_move:
        return points[bot_move]
    if beater_of(bot_move) is user_move:
        return -points[user_move]
    return 0.0


def replayed_value(
    probabilities: Probabilities, points: RoundPoints, user_score: float, bot_score: float, user_move: Move
) -> float:
    """The policy's move on these probabilities, scored against the move the player actually made
    (the player moves simultaneously, so the replay is fair): one round of the offline gate's and
    the promoter's paired comparison, in points."""
    return round_value(choose_move(probabilities, points, user_score, bot_score), user_move, points)


def fallback_move(secret: bytes, game_id: str, round_no: int) -> Move:
    """Degraded mode: HMAC-SHA256(secret, game id and round), reproducible by the server and
    unpredictable to a player, who knows the game id but not the secret."""
    digest = hmac.digest(secret, f"{game_id}:{round_no}:fallback".encode(), hashlib.sha256)
    return MOVES[int.from_bytes(digest[:4], "big") % 3]
