"""Trainer configuration: one Settings object from environment variables (DESIGN §7)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from services.trainer import defaults
from shared.settings import EventStoreSettings, ModelStoreSettings


class Settings(EventStoreSettings, ModelStoreSettings):
    # Where a local (sqlite/file) MLflow store keeps artifacts; ignored for an MLflow server.
    mlflow_artifacts_dir: str = "data/mlartifacts"
    # The training-rows cache (services/trainer/rowcache.py): a cache, rebuilt from the log if lost.
    training_cache_dir: Path = Path("data/training-cache")
    mlflow_experiment: str = defaults.EXPERIMENT
    train_min_rows: int = defaults.MIN_TOTAL_ROWS
    train_min_new_rows: int = defaults.MIN_NEW_ROWS
    # The newest rows of the window a run trains on: raise it with the worker's memory limit.
    train_max_rows: int = Field(defaults.MAX_TRAINING_ROWS, ge=defaults.MIN_TOTAL_ROWS)
    train_gate_margin: float = defaults.GATE_MARGIN
