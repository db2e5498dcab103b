"""Games: start one, play a round, read it back (with its features for the debug page)."""

from __future__ import annotations

from fastapi import APIRouter

from services.gameplay.deps import ServiceDep
from services.gameplay.responses import JSON
from services.gameplay.schemas import (
    GameFeatures,
    GameView,
    PlayRequest,
    PlayResponse,
    StartGameRequest,
    StartGameResponse,
)
from services.gameplay.views import game_view, start_view
from shared.features import FEATURE_NAMES, extract_features_stateless

router = APIRouter(tags=["games"])


@router.post("/start_game", response_model=StartGameResponse)
async def start_game(body: StartGameRequest, service: ServiceDep) -> JSON:
    """Start a game against the bot of `policy`; the model alias serving it is fixed now."""
    state = service.start_game(body.player_name.strip(), body.policy.value, body.session_id, body.is_test)
    return JSON(start_view(state))


@router.post("/play", response_model=PlayResponse, responses={404: {}, 409: {}, 422: {}})
async def play(body: PlayRequest, service: ServiceDep) -> JSON:
    """Play the next round. With `round_no`, a retried request returns the recorded result."""
    return JSON(await service.play(body.game_id, body.user_move, body.round_no))


@router.get("/games/{game_id}", response_model=GameView, responses={404: {}})
async def read_game(game_id: str, service: ServiceDep) -> JSON:
    return JSON(game_view(service.cache.get(game_id)))


@router.get("/games/{game_id}/features", response_model=GameFeatures, responses={404: {}})
async def read_game_features(game_id: str, service: ServiceDep) -> JSON:
    """The 50 features each recorded round was played with (shared.features, from the stored rounds)."""
    state = service.cache.get(game_id)
    rows = []
    for i, played in enumerate(state.rounds):
        features = extract_features_stateless(
            state.user_moves[:i], state.bot_moves[:i], state.points[:i], state.points[i]
        )
        rows.append({"round_no": played.round_no, "features": features.tolist()})
    return JSON({"feature_names": list(FEATURE_NAMES), "rounds": rows})
