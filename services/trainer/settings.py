"""Trainer configuration: one Settings object from environment variables (DESIGN §7)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.trainer import defaults


class Environment(StrEnum):
    LOCAL = "local"
    CLUSTER = "cluster"  # INTERNAL_TOKEN must be set: a missing one stops start-up


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    rps_env: Environment = Environment.LOCAL
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
    # Unset: the HTTP reload is skipped (inference still reloads from the AliasesChanged event).
    internal_token: SecretStr | None = None
    metrics_window_days: int = defaults.METRICS_WINDOW_DAYS
    train_min_rows: int = defaults.MIN_TOTAL_ROWS
    train_min_new_rows: int = defaults.MIN_NEW_ROWS
    train_gate_margin: float = defaults.GATE_MARGIN

    @field_validator("s3_endpoint_url", "internal_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _token_required_in_cluster(self) -> Settings:
        # As gameplay and inference: a cluster deployment without the token would skip every reload.
        if self.rps_env is Environment.CLUSTER and self.internal_token is None:
            raise ValueError("INTERNAL_TOKEN must be set when RPS_ENV=cluster")
        return self
