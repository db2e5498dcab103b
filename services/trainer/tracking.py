"""MLflow logging of one family's training run (params, metrics, curves, plots, tags)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag

from services.trainer import plots
from services.trainer.dataset import TrainingData
from services.trainer.gate import GateVerdict
from services.trainer.pipeline import FamilyResult
from shared.features import FEATURE_CONTRACT_HASH
from shared.models import params_to_dict

BATCH = 900  # MLflow accepts at most 1000 metrics per log_batch


def ensure_experiment(client: MlflowClient, name: str, artifacts_dir: Path | None) -> str:
    """The experiment's id, creating it (with a local artifact location for a local store)."""
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return str(experiment.experiment_id)
    location = Path(artifacts_dir).resolve().as_uri() if artifacts_dir is not None else None
    return str(client.create_experiment(name, artifact_location=location))


def uses_local_artifacts(tracking_uri: str) -> bool:
    """A sqlite/file store has no artifact server: we choose where artifacts go."""
    return not tracking_uri.startswith(("http://", "https://", "databricks"))


def _log_metrics(client: MlflowClient, run_id: str, metrics: Iterable[Metric]) -> None:
    batch: list[Metric] = []
    for metric in metrics:
        batch.append(metric)
        if len(batch) == BATCH:
            client.log_batch(run_id, metrics=batch)
            batch = []
    if batch:
        client.log_batch(run_id, metrics=batch)


def _curve_metrics(result: FamilyResult, now: int) -> Iterable[Metric]:
    for prefix, curve in (("step1", result.holdout_model.curve), ("candidate", result.candidate.curve)):
        for step, value in enumerate(curve.train_logloss):
            yield Metric(f"curve_{prefix}_train_log_loss", value, now, step)
        for step, value in enumerate(curve.val_logloss):
            yield Metric(f"curve_{prefix}_val_log_loss", value, now, step)


def log_training_run(
    client: MlflowClient,
    run_id: str,
    result: FamilyResult,
    data: TrainingData,
    verdict: GateVerdict,
    extra_params: Mapping[str, Any],
) -> None:
    """Everything worth looking at about one family's run, except the model (registered separately)."""
    split = result.split
    params = {
        **{f"model.{k}": v for k, v in params_to_dict(result.params).items()},
        **extra_params,
        "rows": data.rows,
        "games": data.games,
        "rows_step1_train": int(split.train.sum()),
        "rows_step1_val": int(split.val.sum()),
        "rows_step1_holdout": int(split.holdout.sum()),
        "data_window_start": data.window_start.isoformat(),
        "data_window_end": data.window_end.isoformat(),
        "data_position": data.head_position,
        "contract_hash": FEATURE_CONTRACT_HASH,
    }
    now = int(time.time() * 1000)
    metrics = {
        **result.metrics(),
        "gate_passed": float(verdict.passed),
        **{f"seconds_{k}": v for k, v in result.seconds.items()},
    }
    metrics["gate_compared_rows"] = float(verdict.compared_rows)
    for c in verdict.comparisons:
        if c.incumbent_score is not None and c.difference is not None:
            for alias in c.aliases:
                metrics[f"gate_{alias}_score_per_round"] = c.incumbent_score
                metrics[f"gate_{alias}_difference"] = c.difference
    client.log_batch(
        run_id,
        params=[Param(k, str(v)) for k, v in params.items()],
        tags=[
            RunTag("family", result.family.value),
            RunTag("contract_hash", FEATURE_CONTRACT_HASH),
            RunTag("gate.passed", str(verdict.passed).lower()),
            RunTag("gate.reason", verdict.reason),
        ],
    )
    _log_metrics(client, run_id, [Metric(k, float(v), now, 0) for k, v in metrics.items()])
    _log_metrics(client, run_id, _curve_metrics(result, now))
    figs = plots.figures(result, data.dataset.labels[split.holdout])
    try:
        for name, fig in figs.items():
            client.log_figure(run_id, fig, f"plots/{name}")
    finally:
        plots.close(figs)
