"""Inference settings, from environment variables with safe local defaults (DESIGN §7)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """One settings object; each field is read from the upper-case environment variable of its name."""

    redis_url: str = "redis://127.0.0.1:6379/0"
    mlflow_tracking_uri: str = "sqlite:///data/mlflow.db"
    s3_endpoint_url: str | None = None  # set → serving cache in S3; unset → SERVING_CACHE_DIR
    s3_bucket: str = "rps-serving-cache"
    serving_cache_dir: Path = Path("data/serving-cache")
    gameplay_url: str = "http://127.0.0.1:8000"
    events_stream: str = "rps:events"
    listen_events: bool = True
    load_threads: Annotated[int, Field(ge=1)] = 8
    game_alias_cache_size: Annotated[int, Field(ge=1)] = 10_000

    @field_validator("s3_endpoint_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value
