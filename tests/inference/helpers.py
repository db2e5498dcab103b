"""Shared pieces of the inference tests: a feature row, settings, expected answers, metric samples."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from services.inference.settings import Settings
from shared.features import FEATURE_COUNT, Alias, Family
from tests.inference.conftest import Artifacts

ROW = (
    [0.0] * 27
    + [1.1, 1.6, 1.0]
    + [1.1, 1.6, 1.0] * 3
    + [1 / 3] * 3
    + [0.5, 0.25, 0.25, 0.0, 10.0, 10.0, 4.0, 0.0]
)
assert len(ROW) == FEATURE_COUNT


def settings_for(cache_dir: Path, **extra: object) -> Settings:
    """Settings for a test app: this cache directory, no registry, no event listener, a known token."""
    values = {
        "serving_cache_dir": cache_dir,
        "mlflow_tracking_uri": "",
        "listen_events": False,
        "internal_token": "secret-token",
    }
    return Settings(**{**values, **extra})


def expected(artifacts: Artifacts, family: Family, version: int) -> dict[str, float]:
    """What the artifact of this version answers for ROW, loaded on its own."""
    proba = artifacts.load(family, version).predict_proba(np.asarray([ROW], dtype=np.float32))[0]
    return dict(zip(("rock", "paper", "scissors"), proba.tolist(), strict=True))


def metric(text: str, name: str, **labels: str) -> float:
    """One sample's value from a Prometheus text page (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
            if all(found.get(k) == v for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


def register_in_mlflow(
    tracking_uri: str,
    artifacts: Artifacts,
    family: Family,
    alias: Alias,
    version_of: int,
    card: dict[str, bytes] | None = None,
) -> int:
    """Register an artifact directory as the trainer does (an MLflow pyfunc model; a card under
    `card/`) under an alias."""
    from shared.registry import open_client, register_version, set_aliases

    client = open_client(tracking_uri)
    experiment = client.get_experiment_by_name("inference-test") or client.get_experiment(
        client.create_experiment(
            "inference-test", artifact_location=tracking_uri.replace("sqlite:///", "file://") + "-artifacts"
        )
    )
    run = client.create_run(experiment.experiment_id)
    version = register_version(client, family, run.info.run_id, artifacts.path(family, version_of))
    for name, data in (card or {}).items():
        client.log_text(run.info.run_id, data.decode(), f"card/{name}")
    client.set_terminated(run.info.run_id)
    set_aliases(client, family, {alias: version})
    return version
