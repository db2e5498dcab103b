"""POST /predict (one alias, or a game's alias) and POST /predict/batch (several aliases at once)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from services.inference.deps import ServicesDep
from services.inference.errors import json_response
from services.inference.schemas import (
    BatchPredictRequest,
    BatchPredictResponse,
    PredictRequest,
    PredictResponse,
    Problem,
)

router = APIRouter(tags=["predict"])

BODY_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": Problem, "description": "the body cannot be parsed (not UTF-8 text)"},
    422: {"model": Problem, "description": "the request does not match the schema"},
}


@router.post(
    "/predict",
    response_model=PredictResponse,
    responses={
        **BODY_ERRORS,
        404: {"model": Problem, "description": "gameplay does not know the game_id"},
        503: {"model": Problem, "description": "gameplay could not resolve the game_id"},
    },
)
async def predict(body: PredictRequest, services: ServicesDep) -> Response:
    alias = body.alias if body.alias is not None else await services.games.alias_of(body.game_id or "")
    answer = services.predictor.predict(services.store.current, body.family, alias, body.row)
    return json_response(
        {
            "probabilities": answer.probabilities,
            "family": body.family.value,
            "alias": alias.value,
            "model_version": answer.model_version,
            "source": answer.source.value,
        }
    )


@router.post(
    "/predict/batch",
    response_model=BatchPredictResponse,
    responses=BODY_ERRORS,
)
async def predict_batch(body: BatchPredictRequest, services: ServicesDep) -> Response:
    answers = services.predictor.predict_batch(services.store.current, body.family, body.row, body.aliases)
    predictions = {
        alias.value: {
            "probabilities": a.probabilities,
            "model_version": a.model_version,
            "source": a.source.value,
        }
        for alias, a in answers.items()
    }
    return json_response({"family": body.family.value, "predictions": predictions})
