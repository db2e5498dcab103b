"""Projection rows and game state turned into the API's response dicts."""

from __future__ import annotations

from typing import Any

from services.gameplay.game import GameState
from services.gameplay.service import points_json
from shared.events import RoundPlayed
from shared.events.read_models import GameBase, SessionBase
from shared.features import MAX_ROUNDS, TARGET_POINTS, deterministic_round_points


def start_view(state: GameState) -> dict[str, Any]:
    """The /start_game answer: the only one that tells the session id (the session's secret)."""
    return {"session_id": state.session_id, **summary_view(state)}


def summary_view(state: GameState) -> dict[str, Any]:
    """The game's read-model fields (GameDetailBase) from its events, and the round to play."""
    finished = state.finished
    return {
        "game_id": state.game_id,
        "policy": state.policy,
        "status": "finished" if finished else "active",
        "winner": str(state.winner) if finished else None,
        "user_score": state.user_score,
        "bot_score": state.bot_score,
        "rounds_played": len(state.rounds),
        "player_name": state.player_name,
        "family": state.family,
        "is_test": state.is_test,
        "model_alias": state.alias,
        "round_no": state.next_round_no,
        "round_points": points_json(state.next_points()),
        "target_points": TARGET_POINTS,
        "max_rounds": MAX_ROUNDS,
        "bot_commitment": state.commitment(),
    }


def game_view(state: GameState) -> dict[str, Any]:
    """The whole game, readable by whoever holds its id (the session id is not in it)."""
    view = summary_view(state)
    finished = state.finished
    if finished:  # no next round: round_no/round_points describe the last one played
        view["round_no"] = len(state.rounds)
        view["round_points"] = points_json(deterministic_round_points(state.game_id, len(state.rounds)))
    view.update(
        next_round_no=None if finished else state.next_round_no,
        next_round_points=None if finished else view["round_points"],
        rounds=[round_view(state, r) for r in state.rounds],
    )
    return view


def round_view(state: GameState, played: RoundPlayed) -> dict[str, Any]:
    bot = state.seals[played.round_no - 1]
    return {
        "round_no": played.round_no,
        "user_move": played.user_move.value,
        "bot_move": played.bot_move.value,
        "result": played.result.value,
        "user_delta": played.user_delta,
        "bot_delta": played.bot_delta,
        "user_score": played.user_score,
        "bot_score": played.bot_score,
        "points": points_json(played.points),
        "bot_source": bot.bot_source.value,
        "model_version": bot.model_version,
        "predictions": {
            alias.value: {"model_version": version, "probabilities": points_json(probabilities)}
            for alias, (version, probabilities) in bot.predictions_by_alias().items()
        },
        "nonce": state.nonce(played.round_no),
        "bot_commitment": state.sealed(played.round_no, played.bot_move),
    }


# The projection columns a response shows are the read models' public fields.
GAME_FIELDS = tuple(GameBase.model_fields)
SESSION_FIELDS = tuple(SessionBase.model_fields)


def session_view(data: dict[str, Any]) -> dict[str, Any]:
    session = data["session"]
    return {
        **{k: session[k] for k in SESSION_FIELDS},
        "results": {
            "win": session["rounds_won"],
            "lose": session["rounds_lost"],
            "draw": session["rounds_drawn"],
        },
        "games": [{k: g[k] for k in GAME_FIELDS} for g in data["games"]],
    }


def game_stats_view(data: dict[str, Any]) -> dict[str, Any]:
    game = data["game"]
    return {
        **{k: game[k] for k in GAME_FIELDS},
        "results": data["results"],
        "user_moves": data["user_moves"],
    }


def evidence_summary(evidence: dict[str, Any]) -> str:
    """One line for a Grafana table: the top-level scalar evidence as key=value."""
    parts = [f"{k}={v}" for k, v in evidence.items() if isinstance(v, str | int | float | bool) or v is None]
    return ", ".join(parts)[:300]
