"""Applying a decision: through shared.registry's one alias-move protocol (ledger entry, MLflow,
serving cache, inference reload; `recover` finishes a change cut short; see shared/registry/moves.py)."""

from __future__ import annotations

from services.promoter.decision import Decision
from shared.events import EventStore
from shared.registry import AliasMove, apply_move, cache_aliases, recover, registry_aliases
from shared.registry import RegistryEdges as Edges

__all__ = ["Edges", "apply_decision", "as_move", "cache_aliases", "recover", "registry_aliases"]


def as_move(decision: Decision) -> AliasMove:
    return AliasMove(
        decision.family, decision.action, decision.before, decision.after, decision.reason, decision.evidence
    )


def apply_decision(store: EventStore, edges: Edges, decision: Decision) -> int:
    """Write the ledger entry, then move the aliases if the decision changes any; returns its position."""
    return apply_move(store, edges, as_move(decision))
