"""Applying a decision: through shared.registry's one alias-move protocol (ledger entry, MLflow,
serving cache, inference reload; `recover` finishes a change cut short; see shared/registry/moves.py),
then the model cards of the versions involved (shared/registry/cards.py)."""

from __future__ import annotations

import logging
from typing import Any

from services.promoter.decision import Decision
from services.promoter.evidence import Evidence
from shared.events import EventStore
from shared.features import Alias
from shared.registry import AliasMove, apply_move, cache_aliases, recover, registry_aliases
from shared.registry import RegistryEdges as Edges
from shared.registry.cards import refresh_cards
from shared.registry.moves import SYNC_ERRORS

log = logging.getLogger(__name__)

__all__ = [
    "Edges",
    "apply_decision",
    "as_move",
    "cache_aliases",
    "recover",
    "refresh_version_cards",
    "registry_aliases",
]


def as_move(decision: Decision) -> AliasMove:
    return AliasMove(
        decision.family, decision.action, decision.before, decision.after, decision.reason, decision.evidence
    )


def apply_decision(store: EventStore, edges: Edges, decision: Decision) -> int:
    """Write the ledger entry, then move the aliases if the decision changes any; returns its position."""
    return apply_move(store, edges, as_move(decision))


def refresh_version_cards(
    store: EventStore, edges: Edges, evidence: Evidence, decision: Decision
) -> list[int]:
    """Refresh the cards of the versions before and after the decision with their live evidence and
    their paired test against Production; a card that cannot be written is logged, never fatal."""
    tests = decision.evidence
    paired: dict[int, Any] = {int(v): t for v, t in (tests.get("waiting") or {}).items()}
    b = decision.before.get(Alias.B)
    if b is not None and tests.get("test") is not None:
        paired[b] = tests["test"]
    versions = {v for v in (*decision.before.values(), *decision.after.values()) if v is not None}
    per_version = {
        v: {"live": evidence.get(decision.family, v).summary(), "paired": paired.get(v)} for v in versions
    }
    try:
        return refresh_cards(store, edges.client, edges.cache, decision.family, per_version)
    except SYNC_ERRORS:
        log.exception("model cards of %s not refreshed; the next cycle tries again", decision.family)
        return []
