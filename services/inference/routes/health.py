"""GET /healthz (the process answers), /readyz (start-up load done), /metrics (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.inference.deps import ServicesDep
from services.inference.errors import json_response

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> Response:
    return json_response({"status": "ok"})


@router.get("/readyz")
async def readyz(services: ServicesDep) -> Response:
    store = services.store
    if not store.ready:
        return json_response({"status": "loading"}, 503)
    loaded = sum(1 for slot in store.current if slot.model is not None)
    return json_response({"status": "ready", "loaded": loaded, "generation": store.current.generation})


@router.get("/metrics")
async def metrics(services: ServicesDep) -> Response:
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)
