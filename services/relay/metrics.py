"""The relay's Prometheus metrics, read from its status and the store at scrape time (docs/metrics.md)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from shared.events import EventStore, StoreUnavailableError
from shared.events.relay import Relay

ERROR_KINDS = ("database", "redis", "lease")


class RelayCollector(Collector):
    """rps_relay_*: what was published, the failures, the last success and the outbox's lag."""

    def __init__(self, relay: Relay, store: EventStore) -> None:
        self.relay = relay
        self.store = store

    def describe(self) -> list[Metric]:
        return []  # read at scrape time

    def collect(self) -> Iterator[Metric]:
        status = self.relay.status
        yield CounterMetricFamily(
            "rps_relay_published", "Events confirmed on the stream", value=status.published
        )
        errors = CounterMetricFamily("rps_relay_errors", "Failed relay passes, by kind", labels=["kind"])
        for kind in ERROR_KINDS:
            errors.add_metric([kind], (status.errors or {}).get(kind, 0))
        yield errors
        yield GaugeMetricFamily(
            "rps_relay_leader", "1 while this relay holds the lease", value=int(status.leader)
        )
        if status.last_success is not None:
            yield GaugeMetricFamily(
                "rps_relay_last_success_timestamp_seconds",
                "Unix time of the last pass that reached the store and Redis",
                value=status.last_success,
            )
        try:
            pending, oldest = self.store.outbox_lag()
        except StoreUnavailableError:
            return  # the database is down: rps_relay_errors says so
        yield GaugeMetricFamily(
            "rps_relay_lag_events", "Events appended but not yet on the stream", value=pending
        )
        age = 0.0 if oldest is None else max(0.0, time.time() - oldest.timestamp())
        yield GaugeMetricFamily(
            "rps_relay_lag_seconds", "Age of the oldest event not yet on the stream (0 when none)", value=age
        )


METRIC_NAMES: tuple[str, ...] = (
    "rps_relay_published_total",
    "rps_relay_errors_total",
    "rps_relay_leader",
    "rps_relay_last_success_timestamp_seconds",
    "rps_relay_lag_events",
    "rps_relay_lag_seconds",
)
