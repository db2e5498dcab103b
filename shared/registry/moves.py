"""The one alias-move protocol: every alias change (a trainer's placement, a promoter's decision, a
rollback) goes through the same four steps, and one `recover()` finishes a change cut short.

1. **ledger**: the `AliasesChanged` event is appended (with the events that belong with it, such as
   the trainer's `ModelTrained`, in the same transaction): the ledger now holds the intended `after`;
2. **registry**: the MLflow aliases are moved;
3. **cache**: the serving cache is synced from MLflow (models first, markers last, then clean);
4. **reload**: inference is asked to reload (best effort: it also reloads on the stream event).

The ledger is the truth: after a crash between any two steps, `recover()` moves MLflow to the
family's last ledger entry's `after` and syncs the cache when its markers disagree with MLflow.
Until step 3 completes inference keeps serving the previous, consistent cache.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from shared.events import AliasAction, AliasesChanged, ConcurrencyError, EventStore, Payload, new_event
from shared.features import ALIASES, Alias, Family
from shared.registry.client import read_aliases, set_aliases
from shared.registry.errors import RegistryError
from shared.registry.reload import ReloadResult
from shared.registry.sync import sync_serving_cache
from shared.serving_cache import ServingCache, ServingCacheError

log = logging.getLogger(__name__)

# Which version each alias points at; None when the alias is unset.
AliasMap = dict[Alias, int | None]

APPEND_RETRIES = 5  # another writer took the family's next seq: re-read it and append again


class Step(StrEnum):
    """A step of the protocol that has just completed (what a crash hook is called with)."""

    LEDGER = "ledger"
    REGISTRY = "registry"
    CACHE = "cache"


def _no_reload() -> ReloadResult:
    return ReloadResult(False, "skipped: no inference configured")


@dataclass(slots=True)
class RegistryEdges:
    """Where alias moves land: MLflow, the serving cache, inference's reload."""

    client: MlflowClient
    cache: ServingCache
    reload: Callable[[], ReloadResult] = _no_reload
    crash: Callable[[Step], None] | None = None  # test seam: called after each completed step


@dataclass(frozen=True, slots=True)
class AliasMove:
    """One ledger entry and the alias change it records (none when `before == after`)."""

    family: Family
    action: AliasAction
    before: Mapping[Alias, int | None]
    after: Mapping[Alias, int | None]
    reason: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    # Events recorded in the same transaction, just before the entry (the trainer's ModelTrained).
    preceding: tuple[Payload, ...] = ()

    @property
    def changed(self) -> tuple[Alias, ...]:
        return tuple(a for a in ALIASES if self.before.get(a) != self.after.get(a))

    def payload(self) -> AliasesChanged:
        return AliasesChanged.between(
            self.family.value,
            self.action,
            before=self.before,
            after=self.after,
            evidence=self.evidence,
            reason=self.reason,
        )


@dataclass(frozen=True, slots=True)
class MoveReport:
    """What applying moves did: each entry's log position, the cache sync and the reload."""

    positions: tuple[int, ...]
    cache: str  # "not needed", "synced ..." or "failed: ..." (recover() finishes it)
    reload: str


def registry_aliases(client: MlflowClient, family: Family) -> AliasMap:
    """Every alias of the family in MLflow (None where unset)."""
    current = read_aliases(client, family)
    return {alias: current.get(alias) for alias in ALIASES}


def cache_aliases(cache: ServingCache, family: Family) -> AliasMap:
    """Every alias of the family as the serving cache's markers say (None where unset)."""
    markers = cache.read_markers(family)
    return {alias: (markers[alias.value].version if alias.value in markers else None) for alias in ALIASES}


def ledger_aliases(store: EventStore, family: Family) -> tuple[int, AliasMap] | None:
    """The family's last ledger entry's position and `after` (None for a family never recorded)."""
    rows = store.ledger(family=family.value, limit=1)
    if not rows:
        return None
    after = rows[0].after or {}
    return rows[0].position, {
        a: (None if after.get(a.value) is None else int(after[a.value])) for a in ALIASES
    }


def record_move(store: EventStore, move: AliasMove) -> int:
    """Step 1 alone: append the entry (after its preceding events, one transaction); its position."""
    items = [*move.preceding, move.payload()]
    aggregate = move.family.value
    for attempt in range(APPEND_RETRIES + 1):
        first = store.last_seq(aggregate) + 1
        events = [new_event(aggregate, first + i, payload) for i, payload in enumerate(items)]
        try:
            return int(store.append(events)[-1].position or 0)
        except ConcurrencyError:
            if attempt == APPEND_RETRIES:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def _step_done(edges: RegistryEdges, step: Step) -> None:
    if edges.crash is not None:
        edges.crash(step)


# A cache or registry that cannot be read during the sync: the change is recorded and in MLflow,
# recover() finishes the sync; inference meanwhile serves the previous, consistent cache.
SYNC_ERRORS = (ServingCacheError, RegistryError, MlflowException, OSError)


def _sync(edges: RegistryEdges, families: Iterable[Family]) -> str:
    try:
        report = sync_serving_cache(edges.cache, edges.client, clean=True, families=families)
    except SYNC_ERRORS as exc:
        log.exception("serving-cache sync failed; the next recover() finishes it")
        return f"failed: {type(exc).__name__}: {exc}"
    return f"synced: uploaded {len(report.uploaded)}, removed {len(report.removed_models)} models"


def apply_moves(store: EventStore, edges: RegistryEdges, moves: Sequence[AliasMove]) -> MoveReport:
    """Every entry, then every MLflow move, then one cache sync and one reload for the families that
    changed; a family appears at most once (a later move would plan on a state not yet reached)."""
    families = [m.family for m in moves]
    if len(set(families)) != len(families):
        raise ValueError(f"one move per family per call, got {[f.value for f in families]}")
    positions = tuple(record_move(store, move) for move in moves)
    _step_done(edges, Step.LEDGER)
    changing = [m for m in moves if m.changed]
    if not changing:
        return MoveReport(positions, "not needed", "not needed")
    for move in changing:
        set_aliases(edges.client, move.family, {alias: move.after.get(alias) for alias in move.changed})
    _step_done(edges, Step.REGISTRY)
    cache = _sync(edges, [m.family for m in changing])
    _step_done(edges, Step.CACHE)
    reload = edges.reload()
    if not reload.ok:
        log.info("inference reload not confirmed (%s); it reloads on the AliasesChanged event", reload.status)
    return MoveReport(positions, cache, reload.status)


def apply_move(store: EventStore, edges: RegistryEdges, move: AliasMove) -> int:
    """One move through the protocol; returns its ledger position."""
    return apply_moves(store, edges, [move]).positions[0]


def recover(store: EventStore, edges: RegistryEdges, family: Family) -> list[str]:
    """Finish a change cut short: MLflow to the ledger's last `after`, then the cache to MLflow, then a
    reload; returns what was repaired (empty when all three already agree)."""
    repaired: list[str] = []
    registry = registry_aliases(edges.client, family)
    recorded = ledger_aliases(store, family)
    if recorded is not None and recorded[1] != registry:
        position, target = recorded
        behind = tuple(a for a in ALIASES if registry[a] != target[a])
        set_aliases(edges.client, family, {a: target[a] for a in behind})
        repaired.append(f"registry: {', '.join(behind)} moved to the ledger's entry #{position}")
        registry = target
    if cache_aliases(edges.cache, family) != registry:
        sync_serving_cache(edges.cache, edges.client, clean=True, families=[family])
        repaired.append("serving cache: synced from the registry")
    if repaired:
        edges.reload()
    return repaired
