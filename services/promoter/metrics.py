"""Promoter metrics, derived at scrape time from the status the last cycle saved in the event store.

The job runs in an RQ work horse that exits after each job, so gauges set there would never
be scraped; each cycle saves its per-family status (the `promoter.status` reader checkpoint:
the action or why nothing changed, the test of B, the evidence of each alias) instead. Serve
them from any long-lived process with `PromotionCollector` (`python -m services.worker
serve-metrics` does), listed in docs/metrics.md, "Promoter".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from services.promoter.ledger import Action
from shared.events import EventStore
from shared.features import ALIASES, FAMILIES
from shared.promotion import load_status

PROMOTER_ACTIONS = tuple(a for a in Action if a is not Action.REGISTER)

Status = Mapping[str, Mapping[str, Any]]


class PromotionCollector(Collector):
    """Yields the rps_promoter_* gauges from the status `read_status()` returns (family -> last cycle)."""

    def __init__(self, read_status: Callable[[], Status]) -> None:
        self.read_status = read_status

    def describe(self) -> list[Metric]:
        return []  # samples come from the store at scrape time: nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        status = self.read_status()
        decision = GaugeMetricFamily(
            "rps_promoter_decision",
            "1 for what the family's last promotion cycle did or found, 0 for the other actions",
            labels=["family", "action"],
        )
        paired = GaugeMetricFamily(
            "rps_promoter_test_paired_games",
            "Paired games of B against Production in the family's running test (last cycle)",
            labels=["family"],
        )
        bound = GaugeMetricFamily(
            "rps_promoter_test_bound_points",
            "Always-valid confidence bounds on B minus Production, points per game (last cycle)",
            labels=["family", "bound"],
        )
        games = GaugeMetricFamily(
            "rps_promoter_evidence_games",
            "Finished games the version under each alias served (live evidence)",
            labels=["family", "alias"],
        )
        rounds = GaugeMetricFamily(
            "rps_promoter_evidence_rounds",
            "Rounds in which the version under each alias had its prediction replayed",
            labels=["family", "alias"],
        )
        cycle_at = GaugeMetricFamily(
            "rps_promoter_last_decision_timestamp_seconds",
            "Unix time of the family's last promotion cycle",
            labels=["family"],
        )
        for family in FAMILIES:
            row = status.get(family.value)
            if row is None:
                continue
            for action in PROMOTER_ACTIONS:
                decision.add_metric([family.value, action.value], 1.0 if row.get("action") == action else 0.0)
            cycle_at.add_metric([family.value], float(row["at"]))
            test = row.get("test")
            if test is not None:
                paired.add_metric([family.value], float(test["paired_games"]))
                for name in ("low", "high"):
                    if abs(float(test[name])) != float("inf"):
                        bound.add_metric([family.value, name], float(test[name]))
            per_alias = row.get("aliases") or {}
            for alias in ALIASES:
                summary = per_alias.get(alias.value)
                if summary is None:
                    continue
                labels = [family.value, alias.value]
                games.add_metric(labels, float(summary["games_won"] + summary["games_lost"]))
                rounds.add_metric(labels, float(summary["rounds"]))
        yield from (decision, paired, bound, games, rounds, cycle_at)


def status_reader(store: EventStore) -> Callable[[], Status]:
    """Reads the last cycle's status from `store`, for `PromotionCollector`."""
    return lambda: load_status(store)


METRIC_NAMES: tuple[str, ...] = (
    "rps_promoter_decision",
    "rps_promoter_test_paired_games",
    "rps_promoter_test_bound_points",
    "rps_promoter_evidence_games",
    "rps_promoter_evidence_rounds",
    "rps_promoter_last_decision_timestamp_seconds",
)
