"""RQ job functions (queue `training`): plain importable functions returning JSON-ready reports."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from services.trainer.cycle import Edges, Hook, Options, run_training
from services.trainer.pipeline import Progress
from services.trainer.settings import Settings
from services.trainer.tracking import uses_local_artifacts
from shared.events import EventStore
from shared.features import FAMILIES, Family
from shared.registry import open_client, reload_inference
from shared.serving_cache import open_cache

log = logging.getLogger(__name__)


def open_edges(settings: Settings, store: EventStore) -> Edges:
    token = settings.internal_token_value
    local = uses_local_artifacts(settings.mlflow_tracking_uri)
    if local:
        Path(settings.mlflow_artifacts_dir).mkdir(parents=True, exist_ok=True)
    return Edges(
        store=store,
        client=open_client(settings.mlflow_tracking_uri),
        cache=open_cache(
            directory=settings.serving_cache_dir,
            endpoint_url=settings.s3_endpoint_url,
            bucket=settings.s3_bucket,
        ),
        reload=lambda: reload_inference(settings.inference_url, token),
        rows_dir=settings.training_cache_dir,
        experiment=settings.mlflow_experiment,
        artifacts_dir=Path(settings.mlflow_artifacts_dir) if local else None,
    )


def options_from(
    settings: Settings,
    family: str | None = None,
    force: bool = False,
    params: Mapping[Family, Mapping[str, Any]] | None = None,
) -> Options:
    return Options(
        families=FAMILIES if family is None else (Family(family),),
        window_days=settings.metrics_window_days,
        min_rows=settings.train_min_rows,
        min_new_rows=settings.train_min_new_rows,
        max_rows=settings.train_max_rows,
        gate_margin=settings.train_gate_margin,
        force=force,
        params=params or {},
    )


def train(
    settings: Settings,
    family: str | None = None,
    force: bool = False,
    params: Mapping[Family, Mapping[str, Any]] | None = None,
    hook: Hook | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """One training run with these settings; the report as JSON."""
    store = EventStore.from_url(settings.database_url)
    try:
        report = run_training(
            open_edges(settings, store), options_from(settings, family, force, params), hook, progress
        )
    finally:
        store.close()
    for outcome in report.outcomes:
        log.info("training %s: %s (%s)", outcome.family.value, outcome.status, outcome.reason)
    return report.to_json()


def train_job(family: str | None = None, force: bool = False) -> dict[str, Any]:
    """The RQ job: train every family (or one) from the environment's settings."""
    return train(Settings(), family=family, force=force)
