"""Promoter configuration: one Settings object from environment variables (DESIGN §7)."""

from __future__ import annotations

from pydantic import field_validator

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    database_url: str = "sqlite:///data/rps.db"
    redis_url: str = "redis://127.0.0.1:6379/0"
    mlflow_tracking_uri: str = "sqlite:///data/mlflow.db"
    serving_cache_dir: str = "data/serving-cache"
    s3_endpoint_url: str | None = None
    s3_bucket: str = "rps-serving-cache"
    inference_url: str = "http://127.0.0.1:8001"
    gameplay_url: str = "http://127.0.0.1:8000"

    @field_validator("s3_endpoint_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value
