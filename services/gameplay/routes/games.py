"""Games: start one, play a round, read it back (with its features for the debug page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from services.gameplay.deps import ServiceDep, limit_play, limit_start_game
from services.gameplay.responses import JSON
from services.gameplay.schemas import (
    ID_PATTERN,
    GameFeatures,
    GameView,
    PlayRequest,
    PlayResponse,
    StartGameRequest,
    StartGameResponse,
    problems,
)
from services.gameplay.views import game_view, start_view
from shared.features import FEATURE_NAMES, GameRounds, build_dataset

router = APIRouter(tags=["games"])
GameId = Annotated[str, Path(min_length=1, max_length=128, pattern=ID_PATTERN)]


@router.post(
    "/start_game",
    response_model=StartGameResponse,
    responses=problems(400, 404, 413, 422, 429, 503),
    dependencies=[Depends(limit_start_game)],
)
async def start_game(body: StartGameRequest, service: ServiceDep) -> JSON:
    """Start a game against the bot of `policy`; the model alias serving it and the bot's sealed move
    for round 1 are fixed now. Give the `session_id` an earlier game returned to stay in its session."""
    state = service.start_game(body.player_name.strip(), body.policy.value, body.session_id, body.is_test)
    return JSON(start_view(state))


@router.post(
    "/play",
    response_model=PlayResponse,
    responses=problems(400, 404, 409, 413, 422, 429, 503),
    dependencies=[Depends(limit_play)],
)
async def play(body: PlayRequest, service: ServiceDep) -> JSON:
    """Play the next round: reveals the bot's sealed move and nonce, and seals the next round.
    With `round_no`, a retried request returns the recorded result."""
    return JSON(await service.play(body.game_id, body.user_move, body.round_no))


@router.get("/games/{game_id}", response_model=GameView, responses=problems(404, 422, 503))
async def read_game(game_id: GameId, service: ServiceDep) -> JSON:
    """The game so far, each round with its commitment and nonce, and the next round's commitment."""
    return JSON(game_view(service.cache.get(game_id)))


@router.get("/games/{game_id}/features", response_model=GameFeatures, responses=problems(404, 422, 503))
async def read_game_features(game_id: GameId, service: ServiceDep) -> JSON:
    """The 50 features each recorded round was played with (shared.features, from the stored rounds)."""
    state = service.cache.get(game_id)
    # One pass over the game (the training path), not one slice of the history per round.
    dataset = build_dataset([GameRounds.from_rounds(state.user_moves, state.bot_moves, state.points)], 1)
    rows = [
        {"round_no": played.round_no, "features": features}
        for played, features in zip(state.rounds, dataset.features.tolist(), strict=True)
    ]
    return JSON({"feature_names": list(FEATURE_NAMES), "rounds": rows})
