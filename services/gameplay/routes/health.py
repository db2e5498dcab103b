"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.gameplay import metrics
from services.gameplay.deps import StoreDep
from services.gameplay.responses import JSON
from services.gameplay.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz() -> JSON:
    """The process answers (on the event loop itself: it must never wait for the store)."""
    return JSON({"status": "ok", "checks": {}})


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
def readyz(request: Request, store: StoreDep) -> JSON:
    """Ready when the event store answers; Redis and inference only degrade the game, so they are
    reported but never make the service unready."""
    checks: dict[str, object] = {}
    try:
        with store.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
        checks["outbox_pending"] = store.outbox_size()
    except sa.exc.SQLAlchemyError as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
        return JSON({"status": "unavailable", "checks": checks}, status_code=503)
    publisher = request.app.state.publisher
    checks["redis"] = "ok" if publisher.connected else "unreachable (events wait in the outbox)"
    return JSON({"status": "ok", "checks": checks})


@router.get("/metrics", response_class=Response)
def prometheus_metrics(store: StoreDep) -> Response:
    metrics.OUTBOX_PENDING.set(store.outbox_size())
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
