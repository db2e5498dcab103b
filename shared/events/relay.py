"""The relay: the one process that copies the outbox to the Redis stream (`python -m services.relay`).

Whoever appends (any number of gameplay replicas, the trainer, the promoter) only writes outbox
rows; the relay holding the lease (shared.events.outbox.Lease) publishes them in position order,
in atomic batches, and deletes them once Redis confirmed. It never dies of an error: a database
or Redis failure is recorded in `RelayStatus` and retried with backoff, so nothing is lost and
`ready` says "relay down" while it lasts.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass

import redis
import sqlalchemy as sa

from shared.events.errors import EventStoreError
from shared.events.outbox import PUBLISH_BATCH, STREAM_MAXLEN, Lease, LeaseLostError, publish_batch
from shared.events.store import EventStore
from shared.streams import STREAM

log = logging.getLogger(__name__)

PASS_INTERVAL_S = 0.05  # how often the outbox is looked at: events reach the stream this late at most
RETRY_MIN_S = 0.2
RETRY_MAX_S = 5.0
READY_WITHIN_S = 15.0  # no successful pass for this long: the relay is down


@dataclass(slots=True)
class RelayStatus:
    """What the relay's metrics and readiness report."""

    leader: bool = False
    published: int = 0  # events confirmed on the stream by this process
    errors: dict[str, int] | None = None  # by kind: database, redis, lease
    last_success: float | None = None  # Unix time of the last pass that reached both stores
    last_error: str | None = None

    def count_error(self, kind: str, error: Exception) -> None:
        self.errors = self.errors or {}
        self.errors[kind] = self.errors.get(kind, 0) + 1
        self.last_error = f"{kind}: {error}"

    def ready(self, now: float, within_s: float = READY_WITHIN_S) -> tuple[bool, str]:
        """(ready, why): down when no pass succeeded in `within_s` seconds."""
        if self.last_success is not None and now - self.last_success <= within_s:
            return True, "leader: publishing" if self.leader else "standby: another relay holds the lease"
        return False, f"relay down: {self.last_error or 'no successful pass yet'}"


class Relay:
    """Publishes the store's outbox to `stream` while it holds the lease."""

    def __init__(
        self,
        store: EventStore,
        lease: Lease,
        stream: str = STREAM,
        maxlen: int = STREAM_MAXLEN,
        batch: int = PUBLISH_BATCH,
        interval_s: float = PASS_INTERVAL_S,
    ) -> None:
        self.store = store
        self.lease = lease
        self.stream = stream
        self.maxlen = maxlen
        self.batch = batch
        self.interval_s = interval_s
        self.status = RelayStatus()

    def publish_pending(self) -> int:
        """One pass: take or renew the lease, then publish the outbox until it is empty; returns how
        many events went out. Raises the store's or Redis's error."""
        self.status.leader = self.lease.acquire()
        total = 0
        while self.status.leader:
            rows = self.store.pending_outbox_rows(self.batch)
            if not rows:
                break
            publish_batch(self.lease, rows, self.stream, self.maxlen)
            self.store.mark_published([row.position for row in rows])
            total += len(rows)
            self.status.published += len(rows)
            if len(rows) < self.batch:  # that was the rest: spare the query that finds nothing
                break
        self.status.last_success = time.time()
        return total

    def step(self) -> float:
        """One pass that never raises; returns how long to wait before the next one."""
        try:
            self.publish_pending()
        except LeaseLostError as exc:
            self.status.leader = False
            self.status.count_error("lease", exc)
            log.warning("relay: %s", exc)
            return self.interval_s
        except (redis.RedisError, OSError) as exc:
            self.status.count_error("redis", exc)
        except (EventStoreError, sa.exc.SQLAlchemyError) as exc:
            self.status.count_error("database", exc)
        else:
            return self.interval_s
        log.warning("relay: %s", self.status.last_error)
        return -1.0  # an error: back off

    def run(self, stop: threading.Event) -> None:
        """Pass after pass until `stop` is set, backing off (0.2 s doubling to 5 s) while failing."""
        delay = RETRY_MIN_S
        while not stop.is_set():
            wait = self.step()
            if wait < 0:
                wait, delay = delay, min(delay * 2, RETRY_MAX_S)
            else:
                delay = RETRY_MIN_S
            stop.wait(wait)
        with contextlib.suppress(redis.RedisError, OSError):  # else it expires on its own
            self.lease.release()


def publish_all(store: EventStore, lease: Lease, stream: str = STREAM) -> int:
    """Publish the whole outbox once under the lease (the `once` command); raises on any error."""
    relay = Relay(store, lease, stream)
    sent = relay.publish_pending()
    if not relay.status.leader:
        raise LeaseLostError(
            f"the relay lease {lease.key!r} is held by a running relay: it publishes the outbox"
        )
    return sent
