"""Events: frozen, typed, versioned records (docs/architecture.md, "Events")."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import orjson

from shared.events.errors import UnknownEventTypeError

SCHEMA_VERSION = 1


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


def parse_event_type(value: str) -> EventType:
    try:
        return EventType(value)
    except ValueError:
        raise UnknownEventTypeError(value) from None


@dataclass(frozen=True, slots=True)
class Event:
    """One fact. `position` is the global append order, None until the store has it."""

    aggregate_id: str
    seq: int
    type: EventType
    payload: Mapping[str, Any]
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    schema_version: int = SCHEMA_VERSION
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    position: int | None = None

    def with_position(self, position: int) -> Event:
        return replace(self, position=position)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the shape published on the Redis stream, decoded)."""
        return {
            "event_id": self.event_id,
            "aggregate_id": self.aggregate_id,
            "seq": self.seq,
            "type": self.type.value,
            "schema_version": self.schema_version,
            "occurred_at": self.occurred_at.isoformat(),
            "payload": dict(self.payload),
            "position": self.position,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        return cls(
            event_id=str(data["event_id"]),
            aggregate_id=str(data["aggregate_id"]),
            seq=int(data["seq"]),
            type=parse_event_type(str(data["type"])),
            schema_version=int(data["schema_version"]),
            occurred_at=as_utc(datetime.fromisoformat(str(data["occurred_at"]))),
            payload=dict(data["payload"]),
            position=None if data.get("position") is None else int(data["position"]),
        )


def new_event(
    event_type: EventType, aggregate_id: str, seq: int, payload: Mapping[str, Any], **kwargs: Any
) -> Event:
    """An event ready to append (fresh event_id, occurred_at now unless given)."""
    return Event(aggregate_id=aggregate_id, seq=seq, type=event_type, payload=payload, **kwargs)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes: everything stored is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def loads(text: str | bytes) -> Any:
    return orjson.loads(text)
