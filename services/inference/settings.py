"""Inference settings, from environment variables with safe local defaults (DESIGN §7)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from shared.settings import ModelStoreSettings
from shared.streams import STREAM


class Settings(ModelStoreSettings):
    """One settings object; each field is read from the upper-case environment variable of its name."""

    gameplay_url: str = "http://127.0.0.1:8000"
    events_stream: str = STREAM
    listen_events: bool = True
    load_threads: Annotated[int, Field(ge=1)] = 8
    game_alias_cache_size: Annotated[int, Field(ge=1)] = 10_000
