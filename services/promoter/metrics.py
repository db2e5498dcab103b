"""Promoter metrics, derived at scrape time from the ledger (the latest entry of each family).

The job runs in an RQ work horse that exits after each job, so gauges set there would never
be scraped; every number a gauge needs is in the ledger entry's evidence instead. Serve them
from any long-lived process with `PromotionCollector` (`python -m services.worker serve-metrics`
does), listed in docs/metrics.md, "Promoter".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from services.promoter.ledger import Action
from shared.events import EventStore, LedgerEntry
from shared.features import ALIASES, FAMILIES

PROMOTER_ACTIONS = tuple(a for a in Action if a is not Action.REGISTER)


def latest_decisions(rows: Iterable[LedgerEntry]) -> dict[str, LedgerEntry]:
    """The newest promoter decision per family from ledger rows given newest first."""
    latest: dict[str, LedgerEntry] = {}
    for row in rows:
        if row.action in PROMOTER_ACTIONS and row.family not in latest:
            latest[row.family] = row
    return latest


class PromotionCollector(Collector):
    """Yields the rps_promoter_* gauges from the ledger rows `read_rows()` returns (newest first)."""

    def __init__(self, read_rows: Callable[[], Sequence[LedgerEntry]]) -> None:
        self.read_rows = read_rows

    def describe(self) -> list[Metric]:
        return []  # samples come from the store at scrape time: nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        latest = latest_decisions(self.read_rows())
        decision = GaugeMetricFamily(
            "rps_promoter_decision",
            "1 for the action of the family's last promotion decision, 0 for the other actions",
            labels=["family", "action"],
        )
        posterior = GaugeMetricFamily(
            "rps_promoter_posterior_probability",
            "P(B game win rate > Production's + margin) at the family's last decision",
            labels=["family"],
        )
        since_swap = GaugeMetricFamily(
            "rps_promoter_games_since_last_swap",
            "Finished games of the version under each alias since the family's last Production/B change",
            labels=["family", "alias"],
        )
        games = GaugeMetricFamily(
            "rps_promoter_evidence_games",
            "Finished games counted for the version under each alias (since the last rollback)",
            labels=["family", "alias"],
        )
        rounds = GaugeMetricFamily(
            "rps_promoter_evidence_rounds",
            "Rounds in which the version under each alias had its prediction scored",
            labels=["family", "alias"],
        )
        decided_at = GaugeMetricFamily(
            "rps_promoter_last_decision_timestamp_seconds",
            "Unix time of the family's last promotion decision",
            labels=["family"],
        )
        for family in FAMILIES:
            row = latest.get(family.value)
            if row is None:
                continue
            for action in PROMOTER_ACTIONS:
                decision.add_metric([family.value, action.value], 1.0 if row.action == action else 0.0)
            decided_at.add_metric([family.value], row.occurred_at.timestamp())
            value = row.evidence.get("posterior")
            if value is not None:
                posterior.add_metric([family.value], float(value))
            per_alias = row.evidence.get("aliases") or {}
            for alias in ALIASES:
                summary = per_alias.get(alias.value)
                if summary is None:
                    continue
                labels = [family.value, alias.value]
                since_swap.add_metric(labels, float(summary["fresh_games"]))
                games.add_metric(labels, float(summary["games_won"] + summary["games_lost"]))
                rounds.add_metric(labels, float(summary["rounds"]))
        yield from (decision, posterior, since_swap, games, rounds, decided_at)


def ledger_reader(store: EventStore, rows_per_family: int = 50) -> Callable[[], list[LedgerEntry]]:
    """Reads each family's newest ledger rows (newest first), for `PromotionCollector`."""

    def read() -> list[LedgerEntry]:
        return [row for f in FAMILIES for row in store.ledger(family=f.value, limit=rows_per_family)]

    return read


METRIC_NAMES: tuple[str, ...] = (
    "rps_promoter_decision",
    "rps_promoter_posterior_probability",
    "rps_promoter_games_since_last_swap",
    "rps_promoter_evidence_games",
    "rps_promoter_evidence_rounds",
    "rps_promoter_last_decision_timestamp_seconds",
)
