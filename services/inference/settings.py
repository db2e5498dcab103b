"""Inference settings, from environment variables with safe local defaults (DESIGN §7)."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """One settings object; each field is read from the upper-case environment variable of its name."""

    model_config = SettingsConfigDict(extra="ignore")

    redis_url: str = "redis://127.0.0.1:6379/0"
    mlflow_tracking_uri: str = "sqlite:///data/mlflow.db"
    s3_endpoint_url: str | None = None  # set → serving cache in S3; unset → SERVING_CACHE_DIR
    s3_bucket: str = "rps-serving-cache"
    serving_cache_dir: Path = Path("data/serving-cache")
    gameplay_url: str = "http://127.0.0.1:8000"
    internal_token: SecretStr | None = None  # unset → POST /models/reload is refused (503)
    events_stream: str = "rps:events"
    listen_events: bool = True
    load_threads: int = 8
    game_alias_cache_size: int = 10_000

    @field_validator("s3_endpoint_url", "internal_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value
