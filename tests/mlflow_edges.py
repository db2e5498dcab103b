"""Real edges of the registry's alias moves, for the registry's and the promoter's tests: an MLflow
SQLite store with registered versions, an event store, both serving-cache backends and a stand-in
for inference's reload endpoint. Their conftests import the fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

from mlflow import MlflowClient

from shared.events import EventStore
from shared.features import Family
from shared.models import XY, fit_family, params_for
from shared.registry import ReloadResult, open_client, register_version
from shared.serving_cache import LocalDirectoryCache, S3Cache, ServingCache

FAMILY = Family.MNLOGIT


class ReloadCalls:
    """An injected stand-in for inference's reload endpoint that counts the calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> ReloadResult:
        self.calls += 1
        return ReloadResult(True, "ok")


def register_tiny_versions(
    client: MlflowClient, root: Path, experiment: str, rows: int, params: Mapping[str, Any]
) -> list[int]:
    """Three registered versions of FAMILY, tiny models fitted on `rows` random rows, no alias yet."""
    rng = np.random.default_rng(3)
    data = XY.of(rng.random((rows, 50)), rng.integers(0, 3, rows))
    artifacts = root / "mlartifacts"
    artifacts.mkdir()
    experiment_id = client.create_experiment(experiment, artifact_location=artifacts.as_uri())
    out = []
    for i in range(3):
        model = fit_family(FAMILY, data, data, params_for(FAMILY, {**params, "seed": i}))
        run = client.create_run(experiment_id)
        model.save(root / f"artifact-{i}", run_id=run.info.run_id)
        out.append(register_version(client, FAMILY, run.info.run_id, root / f"artifact-{i}"))
        client.set_terminated(run.info.run_id)
    return out


@pytest.fixture
def mlflow_client(tmp_path: Path) -> MlflowClient:
    return open_client(f"sqlite:///{tmp_path / 'mlflow.db'}")


@pytest.fixture(params=["directory", "s3"])
def cache(request: pytest.FixtureRequest, tmp_path: Path) -> ServingCache:
    if request.param == "directory":
        return LocalDirectoryCache(tmp_path / "serving-cache")
    endpoint, bucket = request.getfixturevalue("s3_bucket")
    return S3Cache(bucket=bucket, endpoint_url=endpoint)


@pytest.fixture
def store(sqlite_url: str) -> Iterator[EventStore]:
    events = EventStore.from_url(sqlite_url)
    yield events
    events.close()


@pytest.fixture
def reload_calls() -> ReloadCalls:
    return ReloadCalls()
