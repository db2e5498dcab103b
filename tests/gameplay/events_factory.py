"""Event payloads for store tests, shaped like the ones gameplay writes (docs/architecture.md)."""

from __future__ import annotations

from typing import Any

from shared.events import Event, EventType, new_event


def game_started(game_id: str, seq: int = 1, **overrides: Any) -> Event:
    payload = {
        "game_id": game_id,
        "player_name": "ada",
        "session_id": "s-1",
        "policy": "forrest",
        "family": "rps_bot_xgboost",
        "alias": "Production",
        "opening": "razor",
        "is_test": False,
        "ab_enabled": False,
        **overrides,
    }
    return new_event(EventType.GAME_STARTED, game_id, seq, payload)


def round_played(game_id: str, seq: int, round_no: int, result: str = "lose", score: float = 0.0) -> Event:
    payload = {
        "round_no": round_no,
        "user_move": "rock",
        "bot_move": "paper" if result == "lose" else "scissors" if result == "win" else "rock",
        "result": result,
        "user_delta": 1.5 if result == "win" else 0.0,
        "bot_delta": 1.5 if result == "lose" else 0.0,
        "user_score": score if result == "win" else 0.0,
        "bot_score": score if result == "lose" else 0.0,
        "points": {"rock": 1.0, "paper": 1.5, "scissors": 2.0},
        "bot_source": "model",
        "family": "rps_bot_xgboost",
        "alias": "Production",
        "model_version": "3",
        "predictions": {
            "Production": {
                "model_version": "3",
                "probabilities": {"rock": 0.5, "paper": 0.3, "scissors": 0.2},
            }
        },
        "latency_ms": 1.2,
    }
    return new_event(EventType.ROUND_PLAYED, game_id, seq, payload)


def game_finished(game_id: str, seq: int, winner: str = "bot") -> Event:
    payload = {
        "winner": winner,
        "user_score": 10.5 if winner == "user" else 0.0,
        "bot_score": 10.5 if winner == "bot" else 0.0,
        "rounds": seq - 2,
        "family": "rps_bot_xgboost",
        "alias": "Production",
        "model_version": "3",
    }
    return new_event(EventType.GAME_FINISHED, game_id, seq, payload)


def aliases_changed(family: str = "rps_bot_xgboost", action: str = "promote") -> dict[str, Any]:
    return {
        "family": family,
        "action": action,
        "before": {"Production": 1, "B": 2},
        "after": {"Production": 2, "B": 1},
        "reason": "B won more games",
        "evidence": {"games_b": 120, "p_value": 0.01},
    }


def whole_game(game_id: str, winner: str = "bot", rounds: int = 7, **started: Any) -> list[Event]:
    events = [game_started(game_id, **started)]
    for n in range(1, rounds + 1):
        events.append(round_played(game_id, n + 1, n, "lose" if winner == "bot" else "win", score=1.5 * n))
    events.append(game_finished(game_id, rounds + 2, winner))
    return events
