"""Applying a decision: ledger entry first, then MLflow, then the serving cache, then inference.

Order and recovery (crash safety):
1. the `AliasesChanged` event is appended: the ledger holds the intended `after`;
2. MLflow aliases are moved; 3. the serving cache is synced from MLflow (models first,
markers last); 4. inference is asked to reload (it also reloads on the stream event).
Until step 3 completes, inference keeps serving the previous, consistent cache. At the start
of every cycle `recover` finishes a change cut short at any step: MLflow is moved to the last
changing entry's `after` for the aliases that entry changed, and the cache is synced when its
markers disagree with MLflow.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from mlflow import MlflowClient

from services.promoter.decision import Decision
from services.promoter.ledger import AliasMap, FamilyHistory
from shared.features import ALIASES, Alias, Family
from shared.registry import read_aliases, set_aliases, sync_serving_cache
from shared.serving_cache import ServingCache

log = logging.getLogger(__name__)

# Called between the MLflow change and the cache sync: tests inject a crash here.
Hook = Callable[[], None]


@dataclass(slots=True)
class Edges:
    """Where decisions are applied; built once per cycle from the settings (or by a test)."""

    client: MlflowClient
    cache: ServingCache
    reload: Callable[[], bool] = field(default=lambda: False)
    after_registry: Hook | None = None


def registry_aliases(client: MlflowClient, family: Family) -> AliasMap:
    current = read_aliases(client, family)
    return {alias: current.get(alias) for alias in ALIASES}


def cache_aliases(cache: ServingCache, family: Family) -> AliasMap:
    markers = cache.read_markers(family)
    return {alias: (markers[alias.value].version if alias.value in markers else None) for alias in ALIASES}


def move_aliases(edges: Edges, family: Family, after: AliasMap, changed: tuple[Alias, ...]) -> None:
    """MLflow first, then the cache from MLflow, then inference; `after_registry` runs in between."""
    set_aliases(edges.client, family, {alias: after.get(alias) for alias in changed})
    if edges.after_registry is not None:
        edges.after_registry()
    sync_serving_cache(edges.cache, edges.client, clean=True, families=[family])
    if not edges.reload():
        log.info("inference reload not confirmed for %s; it reloads on the AliasesChanged event", family)


def apply_decision(store_record: Callable[[Decision], int], edges: Edges, decision: Decision) -> int:
    """Write the ledger entry, then move the aliases if the decision changes any; returns its position."""
    position = store_record(decision)
    changed = decision.as_entry(position).changed
    if changed:
        move_aliases(edges, decision.family, decision.after, changed)
    return position


def recover(edges: Edges, family: Family, history: FamilyHistory) -> list[str]:
    """Finish a change a crash cut short; returns what was repaired (empty when consistent)."""
    repaired: list[str] = []
    last = history.last_change
    registry = registry_aliases(edges.client, family)
    if last is not None:
        behind = tuple(a for a in last.changed if registry.get(a) != last.after.get(a))
        if behind:
            set_aliases(edges.client, family, {a: last.after.get(a) for a in behind})
            repaired.append(f"registry: {', '.join(behind)} moved to the ledger's entry #{last.position}")
            registry = registry_aliases(edges.client, family)
    if cache_aliases(edges.cache, family) != registry:
        sync_serving_cache(edges.cache, edges.client, clean=True, families=[family])
        repaired.append("serving cache: synced from the registry")
    if repaired:
        edges.reload()
    return repaired
