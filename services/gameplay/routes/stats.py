"""Read models: per-game and per-session stats, the leaderboard, the policies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Query

from services.gameplay.deps import SettingsDep, StoreDep
from services.gameplay.errors import GameNotFoundError, SessionNotFoundError
from services.gameplay.responses import JSON
from services.gameplay.schemas import ID_PATTERN, LeaderboardRow, PolicyView, StatsResponse, problems
from services.gameplay.views import game_stats_view, session_view
from shared.features import POLICIES

router = APIRouter(tags=["stats"])


@router.get("/stats", response_model=StatsResponse, responses=problems(404, 422))
def read_stats(
    store: StoreDep,
    game_id: str | None = Query(None, min_length=1, max_length=128, pattern=ID_PATTERN),
    session_id: str | None = Query(None, min_length=1, max_length=128, pattern=ID_PATTERN),
) -> JSON:
    """Stats of one game (`game_id`) and/or one session (`session_id`, the secret id /start_game
    returned; it lists the session's games); what is not asked for is null."""
    out: dict[str, object] = {"game": None, "session": None}
    if game_id is not None:
        data = store.queries.game_stats(game_id)
        if data is None:
            raise GameNotFoundError(game_id)
        out["game"] = game_stats_view(data)
    if session_id is not None:
        session = store.queries.session(session_id)
        if session is None:
            raise SessionNotFoundError(session_id)
        out["session"] = session_view(session)
    return JSON(out)


@router.get("/leaderboard", response_model=list[LeaderboardRow], responses=problems(422))
def read_leaderboard(store: StoreDep, limit: int = Query(20, ge=1, le=200)) -> JSON:
    """Players by games won (test games excluded)."""
    rows = []
    for rank, p in enumerate(store.queries.leaderboard(limit), start=1):
        rows.append(
            {
                "rank": rank,
                "player_name": p["player_name"],
                "games_finished": p["games_finished"],
                "games_won": p["games_won"],
                "win_rate": round(p["games_won"] / p["games_finished"], 4) if p["games_finished"] else 0.0,
                "points_for": round(p["points_for"], 1),
                "points_against": round(p["points_against"], 1),
            }
        )
    return JSON(rows)


@router.get("/policies", response_model=list[PolicyView])
def read_policies(store: StoreDep, settings: SettingsDep) -> JSON:
    """The bots to play against, with their win rate over the last METRICS_WINDOW_DAYS days."""
    window = settings.metrics_window_days
    results = store.queries.policy_results(datetime.now(UTC) - timedelta(days=window))
    out = []
    for policy in POLICIES:
        r = results.get(policy.name, {"games": 0, "bot_wins": 0})
        out.append(
            {
                "name": policy.name,
                "family": policy.family.value,
                "description": policy.description,
                "window_days": window,
                "games": r["games"],
                "bot_win_rate": round(r["bot_wins"] / r["games"], 4) if r["games"] else None,
            }
        )
    return JSON(out)
