"""One promotion cycle over the families, and a rollback: the event store and the edges wired together."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mlflow.exceptions import MlflowException

from services.promoter.apply import Edges, apply_decision, recover, refresh_version_cards, registry_aliases
from services.promoter.decision import DEFAULT_RULE, Decision, Rule, decide, plan_rollback
from services.promoter.evidence import Evidence
from services.promoter.ledger import alias_map_json
from services.promoter.source import load_changes, load_evidence
from shared.events import EventStore, EventStoreError
from shared.features import FAMILIES, Family
from shared.promotion import save_status
from shared.registry import RegistryError
from shared.serving_cache import ServingCacheError

log = logging.getLogger(__name__)

# Failures of one family's edges: reported, and the other families still get their cycle.
EDGE_ERRORS = (RegistryError, ServingCacheError, EventStoreError, MlflowException)


@dataclass(slots=True)
class FamilyOutcome:
    family: Family
    decision: Decision | None = None
    position: int | None = None  # of the ledger entry; None when the cycle changed nothing
    repaired: list[str] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        d = self.decision
        return {
            "family": self.family.value,
            "action": None if d is None else d.action.value,
            "reason": self.error or ("no registered versions" if d is None else d.reason),
            "test": None if d is None else d.evidence.get("test"),
            "waiting": None if d is None else d.evidence.get("waiting"),  # each tested against Production
            "aliases": None if d is None else d.evidence.get("aliases"),
            "before": None if d is None else alias_map_json(d.before),
            "after": None if d is None else alias_map_json(d.after),
            "ledger_position": self.position,
            "repaired": self.repaired,
            "error": self.error,
        }


@dataclass(slots=True)
class CycleReport:
    started_at: datetime
    log_position: int
    outcomes: list[FamilyOutcome]
    evidence: Evidence | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at.isoformat(),
            "log_position": self.log_position,
            "families": [o.to_json() for o in self.outcomes],
        }


def _family_cycle(
    store: EventStore, edges: Edges, family: Family, evidence: Evidence, rule: Rule
) -> FamilyOutcome:
    outcome = FamilyOutcome(family)
    outcome.repaired = recover(store, edges, family)
    aliases = registry_aliases(edges.client, family)
    if all(v is None for v in aliases.values()):
        return outcome  # nothing registered yet: no decision, no ledger entry
    decision = decide(family, aliases, evidence, rule)
    outcome.decision = decision
    if decision.changes_aliases:  # a cycle that decides nothing leaves the ledger alone (status only)
        outcome.position = apply_decision(store, edges, decision)
    refresh_version_cards(store, edges, evidence, decision)  # only the cards whose inputs changed
    return outcome


def run_cycle(
    store: EventStore, edges: Edges, families: Iterable[Family] = FAMILIES, rule: Rule = DEFAULT_RULE
) -> CycleReport:
    """Recover, decide and apply for each family; one family's failing edge does not stop the others.

    The evidence is folded from the events since the last cycle; the per-family status is saved
    for the metrics."""
    started = datetime.now(UTC)
    evidence = load_evidence(store)
    outcomes = []
    for family in families:
        try:
            outcomes.append(_family_cycle(store, edges, family, evidence, rule))
        except EDGE_ERRORS as exc:
            log.exception("promotion cycle of %s failed", family)
            outcomes.append(FamilyOutcome(family, error=f"{type(exc).__name__}: {exc}"))
    report = CycleReport(started, evidence.last_position, outcomes, evidence)
    status = {o.family.value: {**o.to_json(), "at": started.timestamp()} for o in outcomes}
    save_status(store, evidence.last_position, status)
    return report


def run_rollback(store: EventStore, edges: Edges, family: Family) -> FamilyOutcome:
    """Restore the previous Production of `family` (RollbackImpossibleError when there is none)."""
    changes = load_changes(store, family)
    outcome = FamilyOutcome(family)
    outcome.repaired = recover(store, edges, family)
    decision = plan_rollback(family, registry_aliases(edges.client, family), changes)
    outcome.decision = decision
    outcome.position = apply_decision(store, edges, decision)
    return outcome
