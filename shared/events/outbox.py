"""The outbox publisher: copies appended events to the Redis stream `rps:events`, in order, at least once.

An event leaves the outbox only after Redis confirmed it, so events appended while Redis
is down wait there and go out, still in position order, when it is back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import orjson
import redis
import redis.asyncio as aredis
import sqlalchemy as sa
from redis.typing import EncodableT, FieldT

from shared.events.records import as_utc
from shared.events.store import EventStore
from shared.streams import STREAM

log = logging.getLogger(__name__)

STREAM_MAXLEN = 200_000  # approximate trim; a consumer group lagging further loses the oldest entries
PUBLISH_BATCH = 500
IDLE_POLL_S = 1.0  # look at the outbox this often even without notify() (other writers)
# Passes run at most this often: each costs a SELECT, a Redis round trip and a DELETE transaction on
# the API's event loop, so one pass per round took almost half of gameplay's CPU at one client.
PASS_INTERVAL_S = 0.05
RETRY_MIN_S = 0.2
RETRY_MAX_S = 5.0


def stream_fields_from_row(row: sa.Row[Any]) -> dict[FieldT, EncodableT]:
    """The stream entry of a stored event: a few fields to filter on plus the whole event as JSON
    (`Event.from_dict` reads it back); the payload's JSON text is embedded, not re-parsed."""
    event = {
        "event_id": row.event_id,
        "aggregate_id": row.aggregate_id,
        "seq": row.seq,
        "type": row.type,
        "schema_version": row.schema_version,
        "occurred_at": as_utc(row.occurred_at).isoformat(),
        "payload": orjson.Fragment(row.payload),
        "position": row.position,
    }
    return {
        "event_id": row.event_id,
        "type": row.type,
        "aggregate_id": row.aggregate_id,
        "position": str(row.position),
        "event": orjson.dumps(event),
    }


def publish_pending_sync(store: EventStore, client: redis.Redis, stream: str = STREAM) -> int:
    """Publish everything in the outbox now (CLI and scripts); returns how many events went out."""
    total = 0
    while batch := store.pending_outbox_rows(PUBLISH_BATCH):
        pipe = client.pipeline(transaction=False)
        for row in batch:
            pipe.xadd(stream, stream_fields_from_row(row), maxlen=STREAM_MAXLEN, approximate=True)
        pipe.execute()
        store.mark_published([row.position for row in batch])
        total += len(batch)
        if len(batch) < PUBLISH_BATCH:  # that was the rest: spare the query that finds nothing
            break
    return total


class OutboxPublisher:
    """Runs beside the API in its event loop; after `notify()` the events appended since the last pass
    go out together within `interval_s` (+ the pass itself)."""

    def __init__(
        self,
        store: EventStore,
        redis_url: str,
        stream: str = STREAM,
        on_published: Callable[[int], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        interval_s: float = PASS_INTERVAL_S,
    ) -> None:
        self.store = store
        self.interval_s = interval_s
        self.stream = stream
        self.client = aredis.Redis.from_url(redis_url, socket_timeout=2.0, socket_connect_timeout=1.0)
        self._on_published = on_published
        self._on_error = on_error
        self.connected = False
        self._pending = True

    def notify(self) -> None:
        """Ask for a publishing pass soon; safe from any thread (a plain flag, read by the loop)."""
        self._pending = True

    async def publish_pending(self) -> int:
        """Publish the outbox in order until it is empty; raises the Redis error if Redis fails."""
        total = 0
        while batch := self.store.pending_outbox_rows(PUBLISH_BATCH):
            pipe = self.client.pipeline(transaction=False)
            for row in batch:
                pipe.xadd(self.stream, stream_fields_from_row(row), maxlen=STREAM_MAXLEN, approximate=True)
            await pipe.execute()
            self.store.mark_published([row.position for row in batch])
            total += len(batch)
            if self._on_published:
                self._on_published(len(batch))
            if len(batch) < PUBLISH_BATCH:  # that was the rest: spare the query that finds nothing
                break
        return total

    async def run(self) -> None:
        """Publish until cancelled, backing off while Redis is unreachable."""
        delay = RETRY_MIN_S
        idle = 0.0
        while True:
            # A short sleep, not an Event: notify() may come from another thread; and a pause after
            # every pass, so that rounds played meanwhile go out in one batch.
            await asyncio.sleep(self.interval_s)
            idle += self.interval_s
            if not self._pending and idle < IDLE_POLL_S:
                continue
            self._pending = False
            idle = 0.0
            try:
                await self.publish_pending()
                self.connected = True
                delay = RETRY_MIN_S
            except (redis.RedisError, OSError) as exc:
                self.connected = False
                self._pending = True
                if self._on_error:
                    self._on_error(exc)
                log.warning("outbox: Redis unavailable (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)

    async def close(self) -> None:
        """Close the Redis connection (cancel the `run` task first); pending events stay in the outbox."""
        await self.client.aclose()
