"""The event log's names that every process shares: the Redis stream and the event types.

Pure and cheap to import (no SQLAlchemy, no Redis client): inference reads the stream without
the event store. `shared.events` re-exports both.
"""

from __future__ import annotations

from enum import StrEnum

STREAM = "rps:events"  # the Redis stream the relay publishes the log to


class EventType(StrEnum):
    GAME_STARTED = "GameStarted"
    ROUND_PLAYED = "RoundPlayed"
    GAME_FINISHED = "GameFinished"
    MODEL_TRAINED = "ModelTrained"
    ALIASES_CHANGED = "AliasesChanged"


GAME_EVENT_TYPES: tuple[EventType, ...] = (
    EventType.GAME_STARTED,
    EventType.ROUND_PLAYED,
    EventType.GAME_FINISHED,
)
