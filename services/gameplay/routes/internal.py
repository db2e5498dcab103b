"""Internal endpoints (token): the promoter's decision reports and the promotion history."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from services.gameplay.deps import ServiceDep, StoreDep, require_internal_token
from services.gameplay.responses import JSON
from services.gameplay.schemas import PromotionRecorded, PromotionReport, PromotionRow
from services.gameplay.views import evidence_summary
from shared.events import AliasesChanged
from shared.features import Family

router = APIRouter(prefix="/internal", tags=["internal"], dependencies=[Depends(require_internal_token)])


@router.post("/promotion/report", response_model=PromotionRecorded, responses={401: {}, 403: {}, 503: {}})
def report_promotion(body: PromotionReport, store: StoreDep, service: ServiceDep) -> JSON:
    """Record a promotion decision as an AliasesChanged event (it lands in the ledger)."""
    payload = AliasesChanged.from_json(body.model_dump(mode="json"))
    event = store.append_next(body.family.value, payload)
    service.notify_appended()
    return JSON(
        {
            "event_id": event.event_id,
            "aggregate_id": event.aggregate_id,
            "seq": event.seq,
            "position": event.position,
        }
    )


@router.get("/promotion/history", response_model=list[PromotionRow], responses={401: {}, 403: {}, 503: {}})
def promotion_history(
    store: StoreDep, family: Family | None = None, limit: int = Query(100, ge=1, le=1000)
) -> JSON:
    """The promotion ledger, newest first, as rows for Grafana's JSON datasource."""
    rows = [
        {
            "time": entry.occurred_at.isoformat(),
            "time_ms": int(entry.occurred_at.timestamp() * 1000),
            "family": entry.family,
            "action": entry.action,
            "before": entry.before,
            "after": entry.after,
            "reason": entry.reason,
            "evidence_summary": evidence_summary(entry.evidence),
            "evidence": entry.evidence,
            "event_id": entry.event_id,
        }
        for entry in store.ledger(family=None if family is None else family.value, limit=limit)
    ]
    return JSON(rows)
