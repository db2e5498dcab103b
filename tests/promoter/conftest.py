"""Real edges for the promoter: an MLflow SQLite store with registered versions, an event store, a cache
(tests/mlflow_edges.py), and the promoter's Edges over them."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlflow import MlflowClient

from services.promoter.apply import Edges
from shared.features import Alias
from shared.registry import set_aliases, sync_serving_cache
from shared.serving_cache import ServingCache
from tests import mlflow_edges
from tests.mlflow_edges import FAMILY, ReloadCalls, register_tiny_versions

# The shared fixtures: pytest finds them as attributes of this conftest.
mlflow_client, cache, store, reload_calls = (
    mlflow_edges.mlflow_client,
    mlflow_edges.cache,
    mlflow_edges.store,
    mlflow_edges.reload_calls,
)

TINY = {"max_iter": 3, "patience": 1}


@pytest.fixture
def versions(mlflow_client: MlflowClient, tmp_path: Path) -> list[int]:
    """Three registered versions of the family (tiny models on random rows)."""
    return register_tiny_versions(mlflow_client, tmp_path, "promoter-tests", 240, TINY)


@pytest.fixture
def deployed(mlflow_client: MlflowClient, versions: list[int], cache: ServingCache) -> dict[Alias, int]:
    """Production=v1, B=v2, shadow1=v3 in MLflow and in the cache."""
    v1, v2, v3 = versions
    aliases = {Alias.PRODUCTION: v1, Alias.B: v2, Alias.SHADOW1: v3}
    set_aliases(mlflow_client, FAMILY, aliases)
    sync_serving_cache(cache, mlflow_client, clean=True, families=[FAMILY])
    return aliases


@pytest.fixture
def edges(mlflow_client: MlflowClient, cache: ServingCache, reload_calls: ReloadCalls) -> Edges:
    return Edges(client=mlflow_client, cache=cache, reload=reload_calls)
