"""Play a simulated player against a bot function in-process, with the real rules (no HTTP).

Used to check players and to measure what a bot could reach (an oracle that knows the
player's true probabilities) before relying on models trained from HTTP games.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.simulator.players import Player
from services.simulator.view import GameView
from shared.features import (
    Move,
    Winner,
    choose_move,
    choose_opening,
    deterministic_round_points,
    fallback_move,
    is_opening_round,
    opening_move,
    round_result,
    score_round,
)

MAX_ROUNDS = 300  # a game of endless draws (constant player vs constant bot) stops here
ARENA_SECRET = b"arena"  # in-process games draw openings and fallback moves like the server, with this key

Bot = Callable[[str, GameView], Move]  # (game id, what the player sees) -> the bot's move from round 4


@dataclass(frozen=True, slots=True)
class ArenaGame:
    winner: Winner | None
    rounds: int
    view: GameView  # the final view: every move, result and score


def play_game(player: Player, bot: Bot, game_id: str) -> ArenaGame:
    """One whole game: the scripted opening in rounds 1–3, then `bot`."""
    opening = choose_opening(ARENA_SECRET, game_id)
    view = GameView(round_no=1, points=deterministic_round_points(game_id, 1))
    for round_no in range(1, MAX_ROUNDS + 1):
        user = player.move(view)
        bot_move = (
            opening_move(opening, game_id, round_no) if is_opening_round(round_no) else bot(game_id, view)
        )
        outcome = score_round(user, bot_move, view.points, view.user_score, view.bot_score)
        view = view.after(
            user,
            bot_move,
            round_result(user, bot_move),
            outcome.user_score,
            outcome.bot_score,
            deterministic_round_points(game_id, round_no + 1),
        )
        if outcome.winner is not None:
            return ArenaGame(outcome.winner, round_no, view)
    return ArenaGame(None, MAX_ROUNDS, view)


def fallback_bot(game_id: str, view: GameView) -> Move:
    """The degraded bot: pseudo-random from (game id, round)."""
    return fallback_move(ARENA_SECRET, game_id, view.round_no)


def oracle_bot(distribution: Callable[[GameView], dict[Move, float]]) -> Bot:
    """A bot that knows the player's true next-move probabilities and plays the policies' EV rule."""

    def bot(game_id: str, view: GameView) -> Move:
        return choose_move(distribution(view), view.points, view.user_score, view.bot_score)

    return bot
