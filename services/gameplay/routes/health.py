"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.gameplay.deps import StoreDep
from services.gameplay.responses import JSON
from services.gameplay.schemas import Health
from shared.events import StoreUnavailableError
from shared.events.relay import READY_WITHIN_S

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz() -> JSON:
    """The process answers (on the event loop itself: it must never wait for the store)."""
    return JSON({"status": "ok", "checks": {}})


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
def readyz(store: StoreDep) -> JSON:
    """Ready when the event store answers. The relay (events to the Redis stream) and inference only
    degrade the game, so they are reported but never make the service unready."""
    checks: dict[str, object] = {}
    try:
        pending, oldest = store.outbox_lag()
    except StoreUnavailableError as exc:
        checks["database"] = f"error: {exc}"
        return JSON({"status": "unavailable", "checks": checks}, status_code=503)
    checks["database"] = "ok"
    checks["outbox_pending"] = pending
    age = 0.0 if oldest is None else (datetime.now(UTC) - oldest).total_seconds()
    checks["relay"] = (
        "ok" if age <= READY_WITHIN_S else f"relay down: events wait in the outbox ({age:.0f} s)"
    )
    return JSON({"status": "ok", "checks": checks})


@router.get("/metrics", response_class=Response)
def prometheus_metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
