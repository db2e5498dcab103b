"""Scoring a round and deciding when a game ends (DESIGN §2)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shared.features.moves import Move, Result, round_result
from shared.features.points import RoundPoints

TARGET_POINTS = 10.0
TARGET_TENTHS = 100
# A game that nobody won by then ends after this round: the higher score wins, equal scores draw.
MAX_ROUNDS = 60
# A game still open this long (seconds) after its start was abandoned: log readers that keep open
# games (the promoter's evidence, drift) forget it, and its partial rounds are never counted.
ABANDONED_AFTER_S = 6 * 3600.0


class Winner(StrEnum):
    USER = "user"
    BOT = "bot"
    DRAW = "draw"  # only at the round cap, with equal scores


@dataclass(frozen=True, slots=True)
class RoundOutcome:
    """What one round did to the score."""

    result: Result
    user_delta: float
    bot_delta: float
    user_score: float
    bot_score: float
    winner: Winner | None

    @property
    def finished(self) -> bool:
        return self.winner is not None


def to_tenths(value: float) -> int:
    return round(value * 10)


def score_round(
    user_move: Move,
    bot_move: Move,
    points: RoundPoints,
    user_score: float,
    bot_score: float,
    round_no: int | None = None,
) -> RoundOutcome:
    """The winner gains the points of the move they played; a draw scores nothing.

    With `round_no`, the round cap applies too (round MAX_ROUNDS ends the game)."""
    result = round_result(user_move, bot_move)
    user_delta = points[user_move] if result is Result.WIN else 0.0
    bot_delta = points[bot_move] if result is Result.LOSE else 0.0
    # Scores are exact tenths: add in integers so 0.1 + 0.2 never drifts.
    user_tenths = to_tenths(user_score) + to_tenths(user_delta)
    bot_tenths = to_tenths(bot_score) + to_tenths(bot_delta)
    return RoundOutcome(
        result=result,
        user_delta=user_delta,
        bot_delta=bot_delta,
        user_score=user_tenths / 10,
        bot_score=bot_tenths / 10,
        winner=game_winner(user_tenths / 10, bot_tenths / 10, round_no),
    )


def game_winner(user_score: float, bot_score: float, round_no: int | None = None) -> Winner | None:
    """The first to reach 10 points wins (only one side can score in a round); after round
    MAX_ROUNDS (when `round_no` is given) the higher score wins, and equal scores are a draw."""
    user, bot = to_tenths(user_score), to_tenths(bot_score)
    if user >= TARGET_TENTHS:
        return Winner.USER
    if bot >= TARGET_TENTHS:
        return Winner.BOT
    if round_no is not None and round_no >= MAX_ROUNDS:
        return Winner.USER if user > bot else Winner.BOT if bot > user else Winner.DRAW
    return None
