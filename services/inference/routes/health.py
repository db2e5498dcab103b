"""GET /healthz (the process answers), /readyz (start-up load done), /metrics (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.inference.deps import ServicesDep
from services.inference.errors import json_response
from services.inference.schemas import HealthResponse, ReadyResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthResponse)
async def healthz() -> Response:
    return json_response({"status": "ok"})


@router.get(
    "/readyz",
    response_model=ReadyResponse,
    responses={503: {"model": ReadyResponse, "description": "the start-up load is not done yet"}},
)
async def readyz(services: ServicesDep) -> Response:
    store = services.store
    if not store.ready:
        return json_response({"status": "loading"}, 503)
    loaded = sum(1 for slot in store.current if slot.model is not None)
    return json_response({"status": "ready", "loaded": loaded, "generation": store.current.generation})


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"}},
)
async def metrics(services: ServicesDep) -> Response:
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)
