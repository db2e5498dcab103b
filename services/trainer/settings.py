"""Trainer configuration: one Settings object from environment variables (DESIGN §7)."""

from __future__ import annotations

from pydantic import field_validator

from services.trainer import defaults
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    database_url: str = "sqlite:///data/rps.db"
    redis_url: str = "redis://127.0.0.1:6379/0"
    mlflow_tracking_uri: str = "sqlite:///data/mlflow.db"
    # Where a local (sqlite/file) MLflow store keeps artifacts; ignored for an MLflow server.
    mlflow_artifacts_dir: str = "data/mlartifacts"
    mlflow_experiment: str = defaults.EXPERIMENT
    serving_cache_dir: str = "data/serving-cache"
    s3_endpoint_url: str | None = None
    s3_bucket: str = "rps-serving-cache"
    inference_url: str = "http://127.0.0.1:8001"
    metrics_window_days: int = defaults.METRICS_WINDOW_DAYS
    train_min_rows: int = defaults.MIN_TOTAL_ROWS
    train_min_new_rows: int = defaults.MIN_NEW_ROWS
    train_gate_margin: float = defaults.GATE_MARGIN

    @field_validator("s3_endpoint_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value
