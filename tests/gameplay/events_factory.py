"""Events for store tests, built through the payload classes as gameplay builds them (sealed moves)."""

from __future__ import annotations

from typing import Any

from shared.events import (
    BotSource,
    Event,
    GameFinished,
    GameStarted,
    RoundPlayed,
    SealedMove,
    new_event,
)
from shared.features import Alias, Move, Winner

MOVE_AGAINST_ROCK = {"lose": Move.PAPER, "win": Move.SCISSORS, "draw": Move.ROCK}
PREDICTION = {Move.ROCK: 0.5, Move.PAPER: 0.3, Move.SCISSORS: 0.2}


def seal(round_no: int, result: str = "lose") -> SealedMove:
    """Round `round_no`'s bot move by version 3 (Production), for the player's rock to be a `result`."""
    bot = MOVE_AGAINST_ROCK[result]
    return SealedMove(round_no, bot, BotSource.MODEL, "3", {Alias.PRODUCTION: "3"}, {"3": PREDICTION})


def game_started(game_id: str, seq: int = 1, **overrides: Any) -> Event:
    fields: dict[str, Any] = {
        "game_id": game_id,
        "player_name": "ada",
        "session_id": "s-1",
        "policy": "forrest",
        "family": "rps_bot_xgboost",
        "alias": "Production",
        "opening": "razor",
        "is_test": False,
        "ab_enabled": False,
        "seal_key": "5e" * 16,
        "seal": seal(1),
        **overrides,
    }
    return new_event(game_id, seq, GameStarted(**fields))


def round_played(
    game_id: str, seq: int, round_no: int, result: str = "lose", score: float = 0.0, *, last: bool = False
) -> Event:
    """The player plays rock; `score` is the winner's score after the round (points: rock 1.0,
    paper 1.5, scissors 2.0). Its bot move is in `seal(round_no, result)`, logged before; unless it
    is the `last` round, it carries the next round's seal (the same result again)."""
    payload = RoundPlayed(
        round_no=round_no,
        user_move=Move.ROCK,
        bot_move=MOVE_AGAINST_ROCK[result],
        user_score=score if result == "win" else 0.0,
        bot_score=score if result == "lose" else 0.0,
        points={Move.ROCK: 1.0, Move.PAPER: 1.5, Move.SCISSORS: 2.0},
        latency_ms=1.2,
        next_seal=None if last else seal(round_no + 1, result),
    )
    return new_event(game_id, seq, payload)


def game_finished(game_id: str, seq: int, winner: str = "bot") -> Event:
    payload = GameFinished(
        winner=Winner(winner),
        user_score=10.5 if winner == "user" else 0.0,
        bot_score=10.5 if winner == "bot" else 0.0,
        rounds=seq - 2,
        family="rps_bot_xgboost",
        alias="Production",
        model_version="3",
    )
    return new_event(game_id, seq, payload)


def aliases_changed(family: str = "rps_bot_xgboost", action: str = "promote") -> dict[str, Any]:
    """An AliasesChanged payload's JSON."""
    return {
        "family": family,
        "action": action,
        "before": {"Production": 1, "B": 2},
        "after": {"Production": 2, "B": 1},
        "reason": "B won more games",
        "evidence": {"games_b": 120, "p_value": 0.01},
    }


def whole_game(game_id: str, winner: str = "bot", rounds: int = 7, **started: Any) -> list[Event]:
    result = "lose" if winner == "bot" else "win"
    events = [game_started(game_id, **{"seal": seal(1, result), **started})]
    for n in range(1, rounds + 1):
        events.append(round_played(game_id, n + 1, n, result, score=1.5 * n, last=n == rounds))
    events.append(game_finished(game_id, rounds + 2, winner))
    return events
