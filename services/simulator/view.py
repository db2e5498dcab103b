"""What a player sees before choosing a move: exactly what a human sees on the page."""

from __future__ import annotations

from dataclasses import dataclass

from shared.features import Move, Result, RoundPoints


@dataclass(frozen=True, slots=True)
class GameView:
    """The round about to be played and the game so far (oldest round first)."""

    round_no: int
    points: RoundPoints
    user_moves: tuple[Move, ...] = ()
    bot_moves: tuple[Move, ...] = ()
    results: tuple[Result, ...] = ()  # from the player's side
    user_score: float = 0.0
    bot_score: float = 0.0

    def after(
        self,
        user_move: Move,
        bot_move: Move,
        result: Result,
        user_score: float,
        bot_score: float,
        next_points: RoundPoints,
    ) -> GameView:
        """The view of the next round once this one is played."""
        return GameView(
            round_no=self.round_no + 1,
            points=next_points,
            user_moves=(*self.user_moves, user_move),
            bot_moves=(*self.bot_moves, bot_move),
            results=(*self.results, result),
            user_score=user_score,
            bot_score=bot_score,
        )
