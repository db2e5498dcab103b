"""Gameplay configuration: one Settings object, read from environment variables (DESIGN §7)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    LOCAL = "local"
    CLUSTER = "cluster"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    rps_env: Environment = Environment.LOCAL
    database_url: str = "sqlite:///data/rps.db"
    redis_url: str = "redis://127.0.0.1:6379/0"
    inference_url: str = "http://127.0.0.1:8001"
    inference_timeout_ms: float = Field(150.0, gt=0)
    enable_ab_testing: bool = False
    ab_split: float = Field(0.5, ge=0.0, le=1.0)
    metrics_window_days: int = Field(7, ge=1)
    # No default: locally /internal/* then answers 503; in a cluster a missing token stops start-up.
    internal_token: str | None = None
    max_body_bytes: int = Field(16_384, ge=256)
    game_cache_size: int = Field(10_000, ge=0)
    static_dir: Path = Path(__file__).resolve().parent / "static"  # the Lite UI's files

    @model_validator(mode="after")
    def _token_required_in_cluster(self) -> Settings:
        if self.rps_env is Environment.CLUSTER and not self.internal_token:
            raise ValueError("INTERNAL_TOKEN must be set when RPS_ENV=cluster")
        return self
