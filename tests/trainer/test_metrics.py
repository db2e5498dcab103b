"""The rps_trainer_* metrics, derived from ModelTrained events in a real store, served with the
promoter's gauges by the job-metrics registry (what the worker pod's sidecar serves)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from services.trainer.metrics import CHECKPOINT, METRIC_NAMES, TrainingCollector
from services.worker.metrics import job_metrics_registry
from shared.events import EventStore, ModelTrained
from shared.features import Family
from tests.deploy.tools import REPO
from tests.gameplay.events_factory import whole_game


def _trained(family: Family, version: int, passed: bool, duration_s: float | None) -> ModelTrained:
    payload: dict[str, Any] = {
        "family": family.value,
        "version": version,
        "run_id": f"run-{version}",
        "metrics": {"holdout_accuracy": 0.4 + version / 100},
        "gate": {"passed": passed, "reason": "test"},
        "rows": 1000,
        "games": 50,
        "window_days": 30,
        "contract_hash": "x",
        "data_position": 10,
    }
    if duration_s is not None:
        payload["duration_s"] = duration_s  # absent: a ModelTrained written before the field existed
    return ModelTrained.from_json(payload)


def _samples(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_trained_events_become_metrics_and_new_ones_are_folded_in(sqlite_url: str) -> None:
    store = EventStore.from_url(sqlite_url)
    try:
        xgb, lgbm = Family.XGBOOST.value, Family.LIGHTGBM.value
        store.append_next(xgb, _trained(Family.XGBOOST, 1, True, None))
        store.append_next(xgb, _trained(Family.XGBOOST, 2, False, 12.5))
        registry = job_metrics_registry(store)
        first = _samples(registry)
        assert first[("rps_trainer_models_trained_total", (("family", xgb), ("gate", "passed")))] == 1
        assert first[("rps_trainer_models_trained_total", (("family", xgb), ("gate", "failed")))] == 1
        assert first[("rps_trainer_last_duration_seconds", (("family", xgb),))] == 12.5
        assert first[("rps_trainer_last_version", (("family", xgb),))] == 2
        assert first[("rps_trainer_last_holdout_accuracy", (("family", xgb),))] == pytest.approx(0.42)
        assert not any(labels == (("family", lgbm),) for _, labels in first)  # never trained: no series

        # The same registry (the sidecar's) folds only what came after, and sees the new event.
        store.append_next(lgbm, _trained(Family.LIGHTGBM, 1, True, 3.0))
        store.append_next(xgb, _trained(Family.XGBOOST, 3, True, 7.0))
        second = _samples(registry)
        assert second[("rps_trainer_models_trained_total", (("family", xgb), ("gate", "passed")))] == 2
        assert second[("rps_trainer_last_duration_seconds", (("family", xgb),))] == 7.0
        assert second[("rps_trainer_last_duration_seconds", (("family", lgbm),))] == 3.0
        last_at = second[("rps_trainer_last_trained_timestamp_seconds", (("family", xgb),))]
        assert last_at == store.read_aggregate(xgb)[-1].occurred_at.timestamp()  # the newest event's
        # A fresh registry (a restarted sidecar) starts from the checkpoint at the same numbers.
        assert _samples(job_metrics_registry(store)) == second
        exposed = {name for name, _ in second}
        assert set(METRIC_NAMES) <= exposed
        assert "rps_promoter_decision" not in exposed  # no ledger entry yet: the promoter's stay empty
    finally:
        store.close()


def test_the_summary_is_saved_with_its_position_and_a_restart_reads_only_what_is_new(sqlite_url: str) -> None:
    store = EventStore.from_url(sqlite_url)
    try:
        xgb = Family.XGBOOST.value
        store.append_next(xgb, _trained(Family.XGBOOST, 1, True, 4.0))
        store.append(whole_game("g1", rounds=4))  # game events come after: the checkpoint passes them
        first = _samples(job_metrics_registry(store))
        assert store.checkpoints.load(CHECKPOINT).position == store.head_position()

        store.append_next(xgb, _trained(Family.XGBOOST, 2, False, 6.0))
        restarted = TrainingCollector(store)
        assert restarted.summary.position == store.head_position() - 1  # resumed, not from 0
        assert restarted.summary.trained == {(xgb, "passed"): 1}
        second = _samples(job_metrics_registry(store))
        assert second[("rps_trainer_models_trained_total", (("family", xgb), ("gate", "failed")))] == 1
        assert second[("rps_trainer_last_duration_seconds", (("family", xgb),))] == 6.0
        assert first[("rps_trainer_last_duration_seconds", (("family", xgb),))] == 4.0
    finally:
        store.close()


def test_job_metrics_process_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "import services.worker.__main__, services.worker.metrics\n"
        "heavy = ('mlflow', 'scipy', 'torch', 'xgboost', 'lightgbm')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "", f"the job-metrics sidecar imports {done.stdout.strip()}"
