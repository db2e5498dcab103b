"""The relay's settings: the event store, Redis and the object store its archive writes to."""

from __future__ import annotations

from pydantic import Field

from shared.events.outbox import STREAM_MAXLEN
from shared.settings import EventStoreSettings, ModelStoreSettings


class Settings(EventStoreSettings, ModelStoreSettings):
    stream_maxlen: int = Field(STREAM_MAXLEN, ge=1_000)  # entries kept (approximately) on the stream
