"""RQ job functions (queue `promotion`): plain importable functions returning JSON-ready reports."""

from __future__ import annotations

import logging
from typing import Any

from mlflow import MlflowClient

from services.promoter.apply import Edges
from services.promoter.cycle import run_cycle, run_rollback
from services.promoter.settings import Settings
from shared.events import EventStore
from shared.features import FAMILIES, Family
from shared.registry import open_client, reload_inference
from shared.serving_cache import ServingCache, open_cache

log = logging.getLogger(__name__)


def open_store(settings: Settings) -> EventStore:
    return EventStore.from_url(settings.database_url)


def open_edges(settings: Settings) -> Edges:
    client: MlflowClient = open_client(settings.mlflow_tracking_uri)
    cache: ServingCache = open_cache(
        directory=settings.serving_cache_dir, endpoint_url=settings.s3_endpoint_url, bucket=settings.s3_bucket
    )
    token = settings.internal_token_value
    return Edges(client=client, cache=cache, reload=lambda: reload_inference(settings.inference_url, token))


def _families(family: str | None) -> tuple[Family, ...]:
    return FAMILIES if family is None else (Family(family),)


def promote_job(family: str | None = None) -> dict[str, Any]:
    """One promotion cycle over every family (or one); returns the report (metrics come from the ledger)."""
    settings = Settings()
    store = open_store(settings)
    try:
        report = run_cycle(store, open_edges(settings), _families(family))
    finally:
        store.close()
    for outcome in report.outcomes:
        log.info("promotion %s: %s", outcome.family, outcome.to_json()["reason"])
    return report.to_json()


def rollback_job(family: str) -> dict[str, Any]:
    """Restore the previous Production of one family; returns the ledger outcome."""
    settings = Settings()
    store = open_store(settings)
    try:
        return run_rollback(store, open_edges(settings), Family(family)).to_json()
    finally:
        store.close()
