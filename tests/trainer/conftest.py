from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


@pytest.fixture
def mlflow_uri(tmp_path: Path) -> str:
    """A real MLflow SQLite store in a temporary directory (artifacts next to it, see mlflow_client)."""
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


@pytest.fixture
def artifact_root(tmp_path: Path) -> Path:
    root = tmp_path / "mlartifacts"
    root.mkdir()
    return root


@pytest.fixture
def mlflow_client(mlflow_uri: str):  # type: ignore[no-untyped-def]
    from shared.registry import open_client

    return open_client(mlflow_uri)


from tests.models.conftest import train_val  # noqa: E402, F401 - the same small dataset, shared
