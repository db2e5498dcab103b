"""The outbox's way onto the Redis stream: entries, atomic batches, the publisher's lease.

Every append writes an outbox row with its events; one relay process (shared.events.relay,
`python -m services.relay`) copies them to the stream `rps:events` in position order and deletes
the rows only after Redis confirmed the batch. A batch is one MULTI/EXEC under a WATCH of the
lease: Redis applies all of it or none (an OOM refusal aborts the whole transaction, so a retry
can never put later positions before earlier ones), and a publisher that lost its lease cannot
write. A batch sent but not marked (database error, crash) is sent again: the stream holds
duplicates at worst, in order, which readers drop by `event_id`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
import redis
import sqlalchemy as sa
from redis.typing import EncodableT, FieldT

from shared.events.records import stored_json
from shared.streams import STREAM

# Approximate trim (XADD MAXLEN ~): the stream's share of Redis's memory limit, worked out next
# to that limit in deploy/kustomize/base/redis.yaml (≈ 700 bytes of Redis memory per entry measured
# by `python -m bench log`: sealed moves, four versions predicting: 70,000 entries ≈ 47 MiB of 96 MB).
STREAM_MAXLEN = 70_000
PUBLISH_BATCH = 500

LEASE_KEY = "rps:relay:lease"
LEASE_TTL_MS = 10_000  # a relay that stops renewing hands over after this long
# Take the lease if free, renew it if ours: 1 when held after the call, 0 when another holds it.
_LEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
"""
_RELEASE_SCRIPT = (
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
)


class LeaseLostError(redis.RedisError):
    """Another publisher holds the lease: this one must not write to the stream."""


def stream_fields_from_row(row: sa.Row[Any]) -> dict[FieldT, EncodableT]:
    """A stored `events` row as a stream entry: a few fields to filter on plus the whole event as JSON
    (`Event.from_dict` reads it back, upcasting an older payload); the payload's text is embedded."""
    return {
        "event_id": row.event_id,
        "type": row.type,
        "aggregate_id": row.aggregate_id,
        "position": str(row.position),
        "event": orjson.dumps(stored_json(row)),
    }


class Lease:
    """Exactly one publisher: a Redis key set with NX and a TTL, renewed by its holder."""

    def __init__(
        self, client: redis.Redis, holder: str, key: str = LEASE_KEY, ttl_ms: int = LEASE_TTL_MS
    ) -> None:
        self.client = client
        self.holder = holder
        self.key = key
        self.ttl_ms = ttl_ms

    def acquire(self) -> bool:
        """Take or renew the lease; False while another publisher holds it."""
        return bool(self.client.eval(_LEASE_SCRIPT, 1, self.key, self.holder, self.ttl_ms))

    def release(self) -> None:
        self.client.eval(_RELEASE_SCRIPT, 1, self.key, self.holder)


def publish_batch(
    lease: Lease, rows: Sequence[sa.Row[Any]], stream: str = STREAM, maxlen: int = STREAM_MAXLEN
) -> None:
    """XADD the rows in one MULTI/EXEC, only while `lease` is held (WATCHed): all or none.

    Raises LeaseLostError if another publisher holds the lease, or Redis's error (OOM, connection)."""
    with lease.client.pipeline(transaction=True) as pipe:
        try:
            pipe.watch(lease.key)  # type: ignore[no-untyped-call]
            if pipe.get(lease.key) != lease.holder.encode():
                raise LeaseLostError(f"the relay lease {lease.key!r} is held by another publisher")
            pipe.multi()
            for row in rows:
                pipe.xadd(stream, stream_fields_from_row(row), maxlen=maxlen, approximate=True)
            pipe.execute()
        except redis.WatchError:
            raise LeaseLostError(f"the relay lease {lease.key!r} changed during the batch") from None
