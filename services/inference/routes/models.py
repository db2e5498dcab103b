"""GET /models (what is loaded and why not) and POST /models/reload (internal token)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from services.inference.deps import InternalTokenDep, ServicesDep
from services.inference.errors import json_response
from services.inference.slots import ModelSet
from services.inference.store import ReloadTrigger
from shared.features import FEATURE_CONTRACT_HASH

router = APIRouter(tags=["models"])


def describe(models: ModelSet, ready: bool) -> dict[str, Any]:
    return {
        "ready": ready,
        "generation": models.generation,
        "created_at": models.created_at,
        "contract_hash": FEATURE_CONTRACT_HASH,
        "models": models.describe(),
    }


@router.get("/models")
async def list_models(services: ServicesDep) -> Response:
    return json_response(describe(services.store.current, services.store.ready))


@router.post("/models/reload", dependencies=[InternalTokenDep])
async def reload_models(services: ServicesDep) -> Response:
    models = await services.store.reload(ReloadTrigger.API)
    return json_response(describe(models, services.store.ready))
