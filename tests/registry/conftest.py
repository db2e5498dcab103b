"""Real edges for the alias-move protocol: an MLflow SQLite store with registered versions, an event
store, and both serving-cache backends (tests/mlflow_edges.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlflow import MlflowClient

from tests import mlflow_edges
from tests.mlflow_edges import register_tiny_versions

# The shared fixtures: pytest finds them as attributes of this conftest.
mlflow_client, cache, store, reload_calls = (
    mlflow_edges.mlflow_client,
    mlflow_edges.cache,
    mlflow_edges.store,
    mlflow_edges.reload_calls,
)

TINY = {"max_iter": 3, "patience": 1, "expert_features": False}


@pytest.fixture
def versions(mlflow_client: MlflowClient, tmp_path: Path) -> list[int]:
    """Three registered versions of the family (tiny models on random rows), no alias yet."""
    return register_tiny_versions(mlflow_client, tmp_path, "registry-tests", 120, TINY)
