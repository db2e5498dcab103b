"""Read models: per-game and per-session stats, the leaderboard, the policies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Query

from services.gameplay.deps import SettingsDep, StoreDep
from services.gameplay.errors import BadQueryError, GameNotFoundError, SessionNotFoundError
from services.gameplay.responses import JSON
from services.gameplay.schemas import LeaderboardRow, PolicyView, StatsResponse
from services.gameplay.views import game_stats_view, session_view
from shared.features import POLICIES

router = APIRouter(tags=["stats"])


@router.get("/stats", response_model=StatsResponse, responses={404: {}, 422: {}})
def read_stats(
    store: StoreDep,
    game_id: str | None = Query(None, max_length=128),
    session_id: str | None = Query(None, max_length=128),
) -> JSON:
    """Stats of one game (`game_id`) or one session (`session_id`): give exactly one."""
    if (game_id is None) == (session_id is None):
        raise BadQueryError("give exactly one of the query parameters game_id or session_id")
    if game_id is not None:
        data = store.queries.game_stats(game_id)
        if data is None:
            raise GameNotFoundError(game_id)
        return JSON({"game": game_stats_view(data), "session": None})
    session = store.queries.session(session_id or "")
    if session is None:
        raise SessionNotFoundError(session_id or "")
    return JSON({"game": None, "session": session_view(session)})


@router.get("/leaderboard", response_model=list[LeaderboardRow])
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
