"""The events' payloads, built in one place (docs/architecture.md, "Events"). Pure.

Plain dicts built once, no validation: RoundPlayed is built on gameplay's /play hot path.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from shared.features import ALIASES, FEATURE_CONTRACT_HASH, Alias, Move, RoundOutcome, RoundPoints, Winner


class AliasAction(StrEnum):
    """What an `AliasesChanged` event (a ledger entry) records."""

    REGISTER = "register"
    PROMOTE = "promote"
    REORDER = "reorder"
    RETAIN = "retain"
    INSUFFICIENT_DATA = "insufficient_data"
    ROLLBACK = "rollback"


# Gameplay records the version as inference answered it; older payloads and tests hold ints.
ModelVersion = str | int | None


def game_started_payload(
    game_id: str,
    *,
    player_name: str,
    session_id: str,
    policy: str,
    family: str,
    alias: str,
    opening: str,
    is_test: bool,
    ab_enabled: bool,
) -> dict[str, Any]:
    return {
        "game_id": game_id,
        "player_name": player_name,
        "session_id": session_id,
        "policy": policy,
        "family": family,
        "alias": alias,
        "opening": opening,
        "is_test": is_test,
        "ab_enabled": ab_enabled,
    }


def game_started_fields(payload: Mapping[str, Any]) -> dict[str, Any]:
    """What a GameStarted payload says about the game besides its id (that is the event's aggregate id)."""
    return {
        "player_name": payload["player_name"],
        "session_id": payload["session_id"],
        "policy": payload["policy"],
        "family": payload["family"],
        "alias": payload["alias"],
        "opening": payload["opening"],
        "is_test": bool(payload["is_test"]),
        "ab_enabled": bool(payload["ab_enabled"]),
    }


def round_played_payload(
    round_no: int,
    user_move: Move,
    bot_move: Move,
    points: RoundPoints,
    outcome: RoundOutcome,
    *,
    bot_source: str,
    family: str,
    alias: str,
    model_version: ModelVersion,
    predictions: Mapping[str, Any],
    latency_ms: float,
) -> dict[str, Any]:
    """`outcome` is the round scored by `shared.features.score_round` (result from the player's side)."""
    return {
        "round_no": round_no,
        "user_move": user_move.value,
        "bot_move": bot_move.value,
        "result": outcome.result.value,
        "user_delta": outcome.user_delta,
        "bot_delta": outcome.bot_delta,
        "user_score": outcome.user_score,
        "bot_score": outcome.bot_score,
        "points": {m.value: v for m, v in points.items()},
        "bot_source": bot_source,
        "family": family,
        "alias": alias,
        "model_version": model_version,
        "predictions": dict(predictions),
        "latency_ms": round(latency_ms, 3),
    }


def game_finished_payload(
    winner: Winner,
    *,
    user_score: float,
    bot_score: float,
    rounds: int,
    family: str,
    alias: str,
    model_version: ModelVersion,
) -> dict[str, Any]:
    """`model_version` is the version that served the game's last model round."""
    return {
        "winner": winner.value,
        "user_score": user_score,
        "bot_score": bot_score,
        "rounds": rounds,
        "family": family,
        "alias": alias,
        "model_version": model_version,
    }


def aliases_changed_payload(
    family: str,
    action: AliasAction,
    *,
    before: Mapping[Alias, int | None],
    after: Mapping[Alias, int | None],
    evidence: Mapping[str, Any],
    reason: str,
) -> dict[str, Any]:
    """Every alias appears in `before` and `after`, with null where none is set."""
    return {
        "family": family,
        "action": action.value,
        "before": {a.value: before.get(a) for a in ALIASES},
        "after": {a.value: after.get(a) for a in ALIASES},
        "evidence": dict(evidence),
        "reason": reason,
    }


def model_trained_payload(
    family: str,
    *,
    version: int,
    run_id: str,
    metrics: Mapping[str, float],
    gate: Mapping[str, Any],
    rows: int,
    games: int,
    window_days: int,
    data_position: int,
    duration_s: float,
) -> dict[str, Any]:
    """`data_position`: the log position the data was read up to (the next run counts new rows
    after it); `duration_s`: the family's training wall time."""
    return {
        "family": family,
        "version": version,
        "run_id": run_id,
        "metrics": dict(metrics),
        "gate": dict(gate),
        "rows": rows,
        "games": games,
        "window_days": window_days,
        "contract_hash": FEATURE_CONTRACT_HASH,
        "data_position": data_position,
        "duration_s": round(duration_s, 3),
    }
