"""Real edges for the promoter: an MLflow SQLite store with registered versions, an event store, a cache."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

from mlflow import MlflowClient

from services.promoter.apply import Edges
from shared.events import EventStore
from shared.features import Alias, Family
from shared.models import XY, fit_family, params_for
from shared.registry import ReloadResult, open_client, register_version, set_aliases, sync_serving_cache
from shared.serving_cache import LocalDirectoryCache, S3Cache, ServingCache

FAMILY = Family.MNLOGIT
TINY = {"max_iter": 3, "patience": 1}


class ReloadCalls:
    """An injected stand-in for inference's reload endpoint that records each call."""

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
    """Three registered versions of the family (tiny models on random rows)."""
    rng = np.random.default_rng(3)
    data = XY.of(rng.random((240, 50)), rng.integers(0, 3, 240))
    root = tmp_path / "mlartifacts"
    root.mkdir()
    experiment = mlflow_client.create_experiment("promoter-tests", artifact_location=root.as_uri())
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
def deployed(mlflow_client: MlflowClient, versions: list[int], cache: ServingCache) -> dict[Alias, int]:
    """Production=v1, B=v2, shadow1=v3 in MLflow and in the cache."""
    v1, v2, v3 = versions
    aliases = {Alias.PRODUCTION: v1, Alias.B: v2, Alias.SHADOW1: v3}
    set_aliases(mlflow_client, FAMILY, aliases)
    sync_serving_cache(cache, mlflow_client, clean=True, families=[FAMILY])
    return aliases


@pytest.fixture
def reload_calls() -> ReloadCalls:
    return ReloadCalls()


@pytest.fixture
def edges(mlflow_client: MlflowClient, cache: ServingCache, reload_calls: ReloadCalls) -> Edges:
    return Edges(client=mlflow_client, cache=cache, reload=reload_calls)
