"""Inference settings, from environment variables with safe local defaults (DESIGN §7)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    LOCAL = "local"
    CLUSTER = "cluster"  # secrets must be set: a missing one stops start-up


class Settings(BaseSettings):
    """One settings object; each field is read from the upper-case environment variable of its name."""

    model_config = SettingsConfigDict(extra="ignore")

    rps_env: Environment = Environment.LOCAL
    redis_url: str = "redis://127.0.0.1:6379/0"
    mlflow_tracking_uri: str = "sqlite:///data/mlflow.db"
    s3_endpoint_url: str | None = None  # set → serving cache in S3; unset → SERVING_CACHE_DIR
    s3_bucket: str = "rps-serving-cache"
    serving_cache_dir: Path = Path("data/serving-cache")
    gameplay_url: str = "http://127.0.0.1:8000"
    internal_token: SecretStr | None = None  # unset locally → POST /models/reload answers 503
    events_stream: str = "rps:events"
    listen_events: bool = True
    load_threads: Annotated[int, Field(ge=1)] = 8
    game_alias_cache_size: Annotated[int, Field(ge=1)] = 10_000

    @field_validator("s3_endpoint_url", "internal_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _token_required_in_cluster(self) -> Settings:
        if self.rps_env is Environment.CLUSTER and self.internal_token is None:
            raise ValueError("INTERNAL_TOKEN must be set when RPS_ENV=cluster")
        return self
