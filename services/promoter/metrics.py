"""Promoter metrics: gauges set at the end of each cycle (the job runs inside the RQ worker process)."""

from __future__ import annotations

from prometheus_client import Gauge

from services.promoter.cycle import CycleReport
from services.promoter.ledger import Action
from shared.features import ALIASES

DECISION = Gauge(
    "rps_promoter_decision",
    "1 for the action of the family's last promotion decision, 0 for the other actions",
    ["family", "action"],
)
POSTERIOR = Gauge(
    "rps_promoter_posterior_probability",
    "P(B game win rate > Production's + margin) at the last cycle",
    ["family"],
)
GAMES_SINCE_SWAP = Gauge(
    "rps_promoter_games_since_last_swap",
    "Finished games of the version under each serving alias since the last Production/B change",
    ["family", "alias"],
)
EVIDENCE_GAMES = Gauge(
    "rps_promoter_evidence_games",
    "Finished games counted for the version under each alias (since the last rollback)",
    ["family", "alias"],
)
EVIDENCE_ROUNDS = Gauge(
    "rps_promoter_evidence_rounds",
    "Rounds in which the version under each alias had its prediction scored",
    ["family", "alias"],
)
LAST_CYCLE = Gauge("rps_promoter_last_cycle_timestamp_seconds", "Unix time the last promotion cycle started")
CYCLE_ERRORS = Gauge(
    "rps_promoter_family_errors", "1 when the family's last cycle failed at an edge", ["family"]
)


def observe_cycle(report: CycleReport) -> None:
    """Set every gauge from a finished cycle."""
    LAST_CYCLE.set(report.started_at.timestamp())
    for outcome in report.outcomes:
        family = outcome.family.value
        CYCLE_ERRORS.labels(family).set(1 if outcome.error else 0)
        decision = outcome.decision
        if decision is None:
            continue
        for action in Action:
            DECISION.labels(family, action.value).set(1 if action is decision.action else 0)
        if decision.posterior is not None:
            POSTERIOR.labels(family).set(decision.posterior)
        for alias, games in outcome.games_since_pair_change.items():
            GAMES_SINCE_SWAP.labels(family, alias).set(games)
        per_alias = decision.evidence.get("aliases", {})
        for alias in ALIASES:
            summary = per_alias.get(alias.value)
            games = 0 if summary is None else summary["games_won"] + summary["games_lost"]
            EVIDENCE_GAMES.labels(family, alias.value).set(games)
            EVIDENCE_ROUNDS.labels(family, alias.value).set(0 if summary is None else summary["rounds"])
