"""GET /models (what is loaded and why not) and POST /models/reload (internal token)."""

from __future__ import annotations

from fastapi import APIRouter

from services.inference.deps import InternalTokenDep, ServicesDep
from services.inference.errors import ReloadFailedError
from services.inference.schemas import ModelsResponse, Problem, ReloadInfo
from services.inference.store import ModelStore, ReloadTrigger
from shared.features import FEATURE_CONTRACT_HASH

router = APIRouter(tags=["models"])

TOKEN_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "no internal token presented"},
    403: {"model": Problem, "description": "the internal token does not match"},
    503: {"model": Problem, "description": "INTERNAL_TOKEN not configured, or the reload failed"},
}


def describe(store: ModelStore) -> ModelsResponse:
    models, last = store.current, store.last_reload
    return ModelsResponse.model_validate(
        {
            "ready": store.ready,
            "generation": models.generation,
            "created_at": models.created_at,
            "contract_hash": FEATURE_CONTRACT_HASH,
            "last_reload": None if last is None else ReloadInfo.model_validate(last, from_attributes=True),
            "last_successful_reload_at": store.last_success_at,
            "models": models.describe(),
        }
    )


@router.get("/models", response_model=ModelsResponse)
async def list_models(services: ServicesDep) -> ModelsResponse:
    return describe(services.store)


@router.post(
    "/models/reload", response_model=ModelsResponse, dependencies=[InternalTokenDep], responses=TOKEN_ERRORS
)
async def reload_models(services: ServicesDep) -> ModelsResponse:
    """Build the model set again from the sources; aliases whose sources cannot be read keep their model."""
    store = services.store
    try:
        await store.reload(ReloadTrigger.API)
    except Exception as exc:
        raise ReloadFailedError(store.current.generation, exc) from None
    return describe(store)
