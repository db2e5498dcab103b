"""Real edges for the alias-move protocol: an MLflow SQLite store with registered versions, an event
store, and both serving-cache backends."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

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
TINY = {"max_iter": 3, "patience": 1, "expert_features": False}


class Reloads:
    """Stands in for inference's reload endpoint and counts the calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> ReloadResult:
        self.calls += 1
        return ReloadResult(True, "ok")


@pytest.fixture
def mlflow_client(tmp_path: Path) -> MlflowClient:
    return open_client(f"sqlite:///{tmp_path / 'mlflow.db'}")


@pytest.fixture
def versions(mlflow_client: MlflowClient, tmp_path: Path) -> list[int]:
    """Three registered versions of the family (tiny models on random rows), no alias yet."""
    rng = np.random.default_rng(3)
    data = XY.of(rng.random((120, 50)), rng.integers(0, 3, 120))
    root = tmp_path / "mlartifacts"
    root.mkdir()
    experiment = mlflow_client.create_experiment("registry-tests", artifact_location=root.as_uri())
    out = []
    for i in range(3):
        model = fit_family(FAMILY, data, data, params_for(FAMILY, {**TINY, "seed": i}))
        run = mlflow_client.create_run(experiment)
        model.save(tmp_path / f"artifact-{i}", run_id=run.info.run_id)
        out.append(register_version(mlflow_client, FAMILY, run.info.run_id, tmp_path / f"artifact-{i}"))
        mlflow_client.set_terminated(run.info.run_id)
    return out


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
def reloads() -> Reloads:
    return Reloads()
