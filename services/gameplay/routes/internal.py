"""Internal endpoints (token): the promotion history, and Grafana's JSON datasource under /internal/grafana
(the ledger, and the promoter's paired evidence as its last cycle saved it: shared/promotion.py).

The ledger is written only by whoever moves aliases (the promoter and the trainer append the
AliasesChanged event in the same step), so nothing here writes to it: a posted "report" could
claim a move the registry never made and reset the promoter's cooldown.
"""

from __future__ import annotations

import functools

from fastapi import APIRouter, Depends, Query

from services.gameplay import grafana
from services.gameplay.deps import StoreDep, require_internal_token
from services.gameplay.errors import BadQueryError
from services.gameplay.responses import JSON
from services.gameplay.schemas import PromotionRow, problems
from services.gameplay.views import evidence_summary
from shared.events import EventStore, LedgerEntry
from shared.features import FAMILIES, Family
from shared.promotion import load_status

router = APIRouter(prefix="/internal", tags=["internal"], dependencies=[Depends(require_internal_token)])
ERRORS = problems(401, 403, 422, 503)
FAMILY_NAMES = tuple(family.value for family in FAMILIES)
POST_ERRORS = problems(400, 401, 403, 413, 422, 503)  # and a body that cannot be read


@router.get("/promotion/history", response_model=list[PromotionRow], responses=ERRORS)
def promotion_history(
    store: StoreDep, family: Family | None = None, limit: int = Query(100, ge=1, le=1000)
) -> JSON:
    """The promotion ledger, newest first."""
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


def _ledger_in(store: EventStore, time_range: grafana.TimeRange) -> list[LedgerEntry]:
    return [e for e in store.ledger(since=time_range.from_) if e.occurred_at <= time_range.to]


@router.get("/grafana/", responses=ERRORS)
def grafana_health() -> JSON:
    """The datasource's "Save & test": 200 when gameplay answers and the token is right."""
    return JSON({"status": "ok"})


@router.post("/grafana/search", response_model=list[str], responses=POST_ERRORS)
def grafana_search(body: grafana.SearchRequest, store: StoreDep) -> JSON:
    """The targets a panel can query (tables, per-family and per-version series), filtered by `target`."""
    return JSON(grafana.targets(FAMILY_NAMES, store.queries.served_versions(), body.target))


@router.post("/grafana/metrics", responses=POST_ERRORS)
def grafana_metrics(body: grafana.SearchRequest, store: StoreDep) -> JSON:
    """/search in the shape the plugin's 0.6 line asks for (`label`, `value`, `payloads`)."""
    names = grafana.targets(FAMILY_NAMES, store.queries.served_versions(), body.target)
    return JSON([{"label": name, "value": name, "payloads": []} for name in names])


@router.post("/grafana/query", response_model=list[grafana.TimeSerie | grafana.Table], responses=POST_ERRORS)
def grafana_query(body: grafana.QueryRequest, store: StoreDep) -> JSON:
    """Each target as a time series or a table, over the panel's time range (`evidence`: the
    promoter's last cycle, whenever it ran)."""
    answers: list[grafana.TimeSerie | grafana.Table] = []
    games = None
    ledger = functools.cache(lambda: _ledger_in(store, body.range))
    status = functools.cache(lambda: load_status(store))
    for target in body.targets:
        if target.target == grafana.LEDGER:
            answers.append(grafana.ledger_table(ledger()))
        elif target.target == grafana.ANNOTATIONS:
            query = str(target.payload.get("query", ""))
            answers.append(grafana.annotations_table(ledger(), query))
        elif target.target == grafana.EVIDENCE:
            answers.append(grafana.evidence_table(status()))
        elif target.target.startswith(f"{grafana.PAIRED}:"):
            answers.append(grafana.paired_series(target.target, ledger(), status(), body.range))
        else:
            if games is None:
                games = store.queries.finished_games(body.range.from_, body.range.to)
            try:
                answers.append(grafana.version_series(target.target, games, body))
            except grafana.UnknownTargetError:
                raise BadQueryError(
                    f"unknown target {target.target!r}: use {grafana.LEDGER!r}, {grafana.ANNOTATIONS!r}, "
                    f"{grafana.EVIDENCE!r}, '{grafana.PAIRED}:<family>:<{'|'.join(grafana.PAIRED_FIGURES)}>' "
                    f"or '<{grafana.WIN_RATE}|{grafana.GAMES}>:<family>:<version>' (see /search)"
                ) from None
    return JSON([a.model_dump(mode="json") for a in answers])


@router.post("/grafana/annotations", response_model=list[grafana.AnnotationEvent], responses=POST_ERRORS)
def grafana_annotations(body: grafana.AnnotationRequest, store: StoreDep) -> JSON:
    """Promotions and rollbacks (or the actions and families named in the annotation's query)."""
    events = grafana.annotation_events(_ledger_in(store, body.range), body.annotation)
    return JSON([e.model_dump(mode="json") for e in events])
