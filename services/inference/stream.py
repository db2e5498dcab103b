"""Reloads models on `AliasesChanged` events from the Redis stream, in every replica.

Plain XREAD from the last id seen (no consumer group), so each replica sees every event.
Redis may be down: the listener retries, and after any outage it reloads once, since
events may have gone by (or the stream restarted) while it was not reading.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aredis
from redis.exceptions import RedisError

from services.inference.metrics import InferenceMetrics
from shared.streams import EventType

log = logging.getLogger(__name__)

BLOCK_MS = 2_000
RETRY_MIN_S = 0.2
RETRY_MAX_S = 5.0


def event_type(fields: dict[bytes, bytes]) -> str | None:
    """The event type of a stream entry: its `type` field, else the `type` inside its `event` JSON."""
    if b"type" in fields:
        return fields[b"type"].decode()
    if b"event" in fields:
        with contextlib.suppress(ValueError, AttributeError):
            value = json.loads(fields[b"event"]).get("type")
            return str(value) if value is not None else None
    return None


class AliasEventListener:
    """A background task: `run()` until cancelled, calling `on_change()` after AliasesChanged events."""

    def __init__(
        self,
        redis_url: str,
        stream: str,
        on_change: Callable[[], Awaitable[object]],
        metrics: InferenceMetrics,
    ) -> None:
        self.stream = stream
        self.on_change = on_change
        self.metrics = metrics
        self.client = aredis.Redis.from_url(
            redis_url, socket_connect_timeout=1.0, socket_timeout=BLOCK_MS / 1000 + 5.0
        )
        self.last_id: bytes | str | None = None
        self.connected = False

    async def run(self) -> None:
        delay = RETRY_MIN_S
        missed = False  # set after an outage: something may have changed unseen
        while True:
            try:
                if self.last_id is None:
                    latest = await self.client.xrevrange(self.stream, count=1)
                    self.last_id = latest[0][0] if latest else b"0-0"
                    self.connected = True
                    if missed:
                        log.info("event stream %s back; reloading in case an event was missed", self.stream)
                        await self._changed()
                        missed = False
                await self._read_once()
                delay = RETRY_MIN_S
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                self.metrics.stream_errors.inc()
                if self.connected or not missed:
                    log.warning("event stream %s unavailable (%s); retrying", self.stream, exc)
                self.connected = False
                self.last_id = None
                missed = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)

    async def _read_once(self) -> None:
        assert self.last_id is not None
        entries: Any = await self.client.xread({self.stream: self.last_id}, count=100, block=BLOCK_MS)
        changed = False
        for _, messages in entries or []:
            for message_id, fields in messages:
                self.last_id = message_id
                changed = changed or event_type(fields) == EventType.ALIASES_CHANGED
        if changed:
            await self._changed()

    async def _changed(self) -> None:
        try:
            await self.on_change()
        except Exception:  # the reload logs its own failure; keep listening
            log.exception("reload after an AliasesChanged event failed")

    async def close(self) -> None:
        await self.client.aclose()
