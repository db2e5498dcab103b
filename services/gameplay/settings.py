"""Gameplay configuration: one Settings object, read from environment variables (DESIGN §7)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from shared.settings import EventStoreSettings


class Settings(EventStoreSettings):
    inference_timeout_ms: float = Field(150.0, gt=0)
    enable_ab_testing: bool = False
    ab_split: float = Field(0.5, ge=0.0, le=1.0)
    max_body_bytes: int = Field(16_384, ge=256)
    game_cache_size: int = Field(10_000, ge=0)
    # An append waits this long for another writer's lock, on the event loop: then 503 + Retry-After.
    store_busy_timeout_ms: float = Field(50.0, gt=0, le=10_000)
    static_dir: Path = Path(__file__).resolve().parent / "static"  # the Lite UI's files
