"""Reading `rps:events` in a consumer group, each event handled once (de-duplicated by event_id).

    consumer = StreamConsumer(redis.Redis.from_url(url), group="inference", name="inference-1")
    for delivery in consumer.read(block_ms=1000):
        handle(delivery.event)
        consumer.ack(delivery)

The stream is at least once (the outbox may publish an event twice, and an event read but not
acknowledged is delivered again): `read` drops events whose event_id it has already returned.
An event counts as seen once acknowledged (so a handler that fails before `ack` gets it again).
The default memory of seen ids is per process and bounded; pass `seen` (anything with `add` and
`__contains__`, e.g. a set backed by your own database) to keep it somewhere durable.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

import redis

from shared.events.outbox import STREAM
from shared.events.records import Event, loads

SEEN_CAPACITY = 100_000


class SeenIds(Protocol):
    def add(self, event_id: str) -> None: ...
    def __contains__(self, event_id: object) -> bool: ...


class BoundedSeenIds:
    """The most recent `capacity` event ids, in memory."""

    def __init__(self, capacity: int = SEEN_CAPACITY) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    def add(self, event_id: str) -> None:
        self._ids[event_id] = None
        self._ids.move_to_end(event_id)
        if len(self._ids) > self.capacity:
            self._ids.popitem(last=False)

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._ids


@dataclass(frozen=True, slots=True)
class Delivery:
    message_id: str
    event: Event


class StreamConsumer:
    """One consumer in a consumer group of the events stream (group created when missing)."""

    def __init__(
        self,
        client: redis.Redis,
        group: str,
        name: str,
        stream: str = STREAM,
        seen: SeenIds | None = None,
    ) -> None:
        self.client = client
        self.group = group
        self.name = name
        self.stream = stream
        self.seen: SeenIds = seen if seen is not None else BoundedSeenIds()
        self._pending_done = False  # first read our own unacknowledged entries, then new ones

    def ensure_group(self) -> None:
        """Create the group (reading from the stream's start) unless it exists; also after Redis lost it."""
        try:
            self.client.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def read(self, count: int = 100, block_ms: int | None = None) -> list[Delivery]:
        """The next events for this consumer (its own unacknowledged ones first after a start);
        events already acknowledged once are acknowledged again and left out."""
        try:
            return self._read(count, block_ms)
        except redis.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            self.ensure_group()
            self._pending_done = False
            return self._read(count, block_ms)

    def _read(self, count: int, block_ms: int | None) -> list[Delivery]:
        start = ">" if self._pending_done else "0"
        reply: Any = self.client.xreadgroup(
            self.group, self.name, {self.stream: start}, count=count, block=None if start == "0" else block_ms
        )
        entries = reply[0][1] if reply else []
        if start == "0" and not entries:
            self._pending_done = True
            return self._read(count, block_ms)
        fresh: list[Delivery] = []
        in_batch: set[str] = set()
        duplicates: list[str] = []
        for message_id, fields in entries:
            mid = message_id.decode() if isinstance(message_id, bytes) else message_id
            if not fields:  # trimmed away while pending
                duplicates.append(mid)
                continue
            event = Event.from_dict(loads(fields[b"event"] if b"event" in fields else fields["event"]))
            if event.event_id not in self.seen and event.event_id not in in_batch:
                in_batch.add(event.event_id)
                fresh.append(Delivery(mid, event))
            else:
                duplicates.append(mid)
        if duplicates:
            self.client.xack(self.stream, self.group, *duplicates)
        return fresh

    def ack(self, *deliveries: Delivery) -> None:
        """Mark events handled: acknowledged in the group and remembered as seen."""
        if deliveries:
            self.client.xack(self.stream, self.group, *(d.message_id for d in deliveries))
            for delivery in deliveries:
                self.seen.add(delivery.event.event_id)
