"""Cycles against the real edges: SQLite event store, MLflow SQLite registry, directory and S3 caches."""

from __future__ import annotations

import json

from mlflow import MlflowClient

from services.promoter.apply import Edges, cache_aliases, registry_aliases
from services.promoter.cycle import run_cycle, run_rollback
from services.promoter.decision import decide
from services.promoter.ledger import Action
from services.promoter.source import EVIDENCE_CHECKPOINT, load_evidence, rebuild_evidence, record_decision
from shared.events import EventStore
from shared.features import Alias
from shared.registry import Step
from shared.serving_cache import ServingCache
from tests.mlflow_edges import FAMILY, ReloadCalls
from tests.promoter.builders import paired_game


class SimulatedCrashError(Exception):
    """Stands for the worker dying between the MLflow change and the cache sync."""


def crash(step: Step) -> None:
    if step is Step.REGISTRY:
        raise SimulatedCrashError


def play(store: EventStore, versions: dict[str, int], better: int | None, games: int, tag: str) -> None:
    """`games` paired games, served alternately by Production and B, the bot winning two in three."""
    for i in range(games):
        served = "B" if i % 2 else "Production"
        winner = "user" if i % 3 == 0 else "bot"
        store.append(paired_game(f"{tag}-{i}", FAMILY, served, versions, better, winner).events)


def b_clearly_better(store: EventStore, prod: int, b: int, games: int = 60, tag: str = "better") -> None:
    play(store, {"Production": prod, "B": b}, b, games, f"{tag}-{prod}-{b}")


def test_a_cycle_promotes_b_everywhere_and_the_waiting_challenger_takes_b(
    store: EventStore, edges: Edges, deployed: dict[Alias, int], reload_calls: ReloadCalls
) -> None:
    v1, v2, v3 = deployed[Alias.PRODUCTION], deployed[Alias.B], deployed[Alias.SHADOW1]
    b_clearly_better(store, v1, v2)
    report = run_cycle(store, edges, [FAMILY])
    (outcome,) = report.outcomes
    assert outcome.error is None and outcome.decision is not None
    assert outcome.decision.action is Action.PROMOTE, outcome.decision.reason
    expected = {Alias.PRODUCTION: v2, Alias.B: v3, Alias.SHADOW1: None, Alias.SHADOW2: None}
    assert registry_aliases(edges.client, FAMILY) == expected
    assert cache_aliases(edges.cache, FAMILY) == expected
    (entry,) = store.ledger(family=FAMILY.value)
    assert entry.action == "promote" and entry.after["Production"] == v2 and entry.before["Production"] == v1
    assert entry.evidence["test"]["paired_games"] == 60 and entry.evidence["test"]["low"] > 0
    assert reload_calls.calls == 1
    # The new Production's model card, beside it in the cache, carries the decision and its evidence.
    card = json.loads(edges.cache.read_card(FAMILY, v2) or b"{}")
    assert card["ledger"][-1]["action"] == "promote" and card["ledger"][-1]["after"] == "Production"
    assert card["evidence"]["paired"]["paired_games"] == 60 and card["evidence"]["live"]["version"] == v2


def test_a_cycle_that_decides_nothing_writes_no_ledger_entry(
    store: EventStore, edges: Edges, deployed: dict[Alias, int]
) -> None:
    v1, v2 = deployed[Alias.PRODUCTION], deployed[Alias.B]
    b_clearly_better(store, v1, v2, games=10)
    (outcome,) = run_cycle(store, edges, [FAMILY]).outcomes
    assert outcome.repaired == [] and outcome.position is None
    assert outcome.decision is not None and outcome.decision.action is Action.RETAIN
    assert "10 paired games, need 50" in outcome.decision.reason
    assert store.ledger(family=FAMILY.value) == []


def test_a_b_no_better_is_rejected_with_a_ledger_entry_and_the_next_challenger_takes_b(
    store: EventStore, edges: Edges, deployed: dict[Alias, int]
) -> None:
    v1, v2, v3 = deployed[Alias.PRODUCTION], deployed[Alias.B], deployed[Alias.SHADOW1]
    play(store, {"Production": v1, "B": v2}, None, 60, "equal")
    (outcome,) = run_cycle(store, edges, [FAMILY]).outcomes
    assert outcome.decision is not None and outcome.decision.action is Action.REJECT
    assert registry_aliases(edges.client, FAMILY) == {
        Alias.PRODUCTION: v1,
        Alias.B: v3,
        Alias.SHADOW1: None,
        Alias.SHADOW2: None,
    }
    (entry,) = store.ledger(family=FAMILY.value)
    assert entry.action == "reject" and entry.evidence["rejected"] == [v2]
    assert f"reject B v{v2}: not better" in entry.reason and f"v{v3} takes B" in entry.reason


def test_a_crash_between_mlflow_and_the_cache_is_recovered_on_the_next_cycle(
    store: EventStore,
    mlflow_client: MlflowClient,
    cache: ServingCache,
    deployed: dict[Alias, int],
    reload_calls: ReloadCalls,
) -> None:
    v1, v2 = deployed[Alias.PRODUCTION], deployed[Alias.B]
    b_clearly_better(store, v1, v2)
    crashing = Edges(client=mlflow_client, cache=cache, reload=reload_calls, crash=crash)
    try:
        run_cycle(store, crashing, [FAMILY])
        raise AssertionError("the injected crash did not happen")
    except SimulatedCrashError:
        pass
    # Halfway: the ledger and MLflow say v2, the cache (what inference serves) still says v1.
    assert registry_aliases(mlflow_client, FAMILY)[Alias.PRODUCTION] == v2
    assert cache_aliases(cache, FAMILY)[Alias.PRODUCTION] == v1
    assert reload_calls.calls == 0

    (outcome,) = run_cycle(store, Edges(mlflow_client, cache, reload_calls), [FAMILY]).outcomes
    assert outcome.repaired == ["serving cache: synced from the registry"]
    assert cache_aliases(cache, FAMILY) == registry_aliases(mlflow_client, FAMILY)
    assert cache_aliases(cache, FAMILY)[Alias.PRODUCTION] == v2
    assert cache.has_model(FAMILY, v2)
    assert reload_calls.calls == 1
    # The new B (v3) has no paired games yet: its test runs, nothing else changes.
    assert outcome.decision is not None and outcome.decision.action is Action.RETAIN


def test_a_crash_after_the_ledger_entry_is_finished_from_the_ledger(
    store: EventStore, edges: Edges, deployed: dict[Alias, int]
) -> None:
    v1, v2 = deployed[Alias.PRODUCTION], deployed[Alias.B]
    b_clearly_better(store, v1, v2)
    decision = decide(FAMILY, registry_aliases(edges.client, FAMILY), load_evidence(store))
    record_decision(store, decision)  # ... and the worker died before touching MLflow
    assert registry_aliases(edges.client, FAMILY)[Alias.PRODUCTION] == v1

    (outcome,) = run_cycle(store, edges, [FAMILY]).outcomes
    assert outcome.repaired[0].startswith("registry: Production, B, shadow1 moved")
    assert registry_aliases(edges.client, FAMILY)[Alias.PRODUCTION] == v2
    assert cache_aliases(edges.cache, FAMILY)[Alias.PRODUCTION] == v2


def test_rollback_restores_the_previous_production_and_a_second_rollback_undoes_it(
    store: EventStore, edges: Edges, deployed: dict[Alias, int]
) -> None:
    v1, v2, v3 = deployed[Alias.PRODUCTION], deployed[Alias.B], deployed[Alias.SHADOW1]
    b_clearly_better(store, v1, v2)
    run_cycle(store, edges, [FAMILY])
    outcome = run_rollback(store, edges, FAMILY)
    assert outcome.decision is not None and outcome.decision.action is Action.ROLLBACK
    after_first = {Alias.PRODUCTION: v1, Alias.B: v3, Alias.SHADOW1: None, Alias.SHADOW2: None}
    assert registry_aliases(edges.client, FAMILY) == after_first
    assert cache_aliases(edges.cache, FAMILY) == after_first
    # v2 left every slot: the evidence that promoted it cannot promote it again.
    (after,) = run_cycle(store, edges, [FAMILY]).outcomes
    assert after.decision is not None and after.decision.action is Action.RETAIN
    assert [e.action for e in store.ledger(family=FAMILY.value)] == ["rollback", "promote"]

    run_rollback(store, edges, FAMILY)
    assert registry_aliases(edges.client, FAMILY) == {**after_first, Alias.PRODUCTION: v2}
    assert [e.action for e in store.ledger(family=FAMILY.value)] == ["rollback", "rollback", "promote"]


def test_evidence_is_folded_incrementally_and_equals_a_rebuild_from_the_whole_log(sqlite_url: str) -> None:
    first = EventStore.from_url(sqlite_url)
    b_clearly_better(first, 1, 2, games=30)
    evidence = load_evidence(first)
    checkpoint = first.checkpoints.load(EVIDENCE_CHECKPOINT)
    assert checkpoint.position == evidence.last_position == first.head_position()
    first.close()

    reopened = EventStore.from_url(sqlite_url)
    b_clearly_better(reopened, 1, 2, games=20, tag="later")
    incremental = load_evidence(reopened)
    assert incremental.pair(FAMILY, 1, 2).diffs.n == 50
    assert incremental.get(FAMILY, 2).games_won + incremental.get(FAMILY, 2).games_lost == 25
    rebuilt = rebuild_evidence(reopened)
    reopened.close()
    assert rebuilt.to_json() == incremental.to_json()


def test_a_better_waiting_challenger_moves_above_the_other_and_a_free_b_is_filled(
    store: EventStore, edges: Edges, deployed: dict[Alias, int], mlflow_client: MlflowClient
) -> None:
    from shared.registry import set_aliases

    v1, v2, v3 = deployed[Alias.PRODUCTION], deployed[Alias.B], deployed[Alias.SHADOW1]
    set_aliases(mlflow_client, FAMILY, {Alias.B: v1, Alias.SHADOW1: v2, Alias.SHADOW2: v3})
    # B equals Production; v3 (shadow2) beats v2 (shadow1) on every paired round, and Production too.
    play(store, {"Production": v1, "B": v1, "shadow1": v2, "shadow2": v3}, v3, 60, "waiting")
    (outcome,) = run_cycle(store, edges, [FAMILY]).outcomes
    assert outcome.decision is not None
    assert outcome.decision.action is Action.REJECT, outcome.decision.reason
    # v2 is no better than Production (both always wrong): rejected while waiting; v3 takes B.
    expected = {Alias.PRODUCTION: v1, Alias.B: v3, Alias.SHADOW1: None, Alias.SHADOW2: None}
    assert registry_aliases(edges.client, FAMILY) == expected
    (entry,) = store.ledger(family=FAMILY.value)
    assert f"reject waiting v{v2}" in entry.reason and f"v{v3} takes B" in entry.reason
