"""Cycles against the real edges: SQLite event store, MLflow SQLite registry, directory and S3 caches."""

from __future__ import annotations

from mlflow import MlflowClient

from services.promoter.apply import Edges, cache_aliases, registry_aliases
from services.promoter.cycle import run_cycle, run_rollback
from services.promoter.decision import decide
from services.promoter.ledger import Action, FamilyHistory
from services.promoter.source import load_changes, load_evidence, record_decision
from shared.events import EventStore
from shared.features import MOVES, Alias, beater_of
from shared.registry import Step
from shared.serving_cache import ServingCache
from tests.promoter.builders import GameLog, finished_game, prediction
from tests.promoter.conftest import FAMILY, ReloadCalls


class SimulatedCrashError(Exception):
    """Stands for the worker dying between the MLflow change and the cache sync."""


def crash(step: Step) -> None:
    if step is Step.REGISTRY:
        raise SimulatedCrashError


def play(store: EventStore, version: int, alias: str, wins: int, losses: int, tag: str) -> None:
    for i in range(wins + losses):
        game = finished_game(f"{tag}-{version}-{i}", FAMILY, alias, version, "bot" if i < wins else "user")
        store.append(game.events)


def b_clearly_better(store: EventStore, prod: int, b: int, tag: str = "a") -> None:
    play(store, prod, "Production", 35, 75, tag)
    play(store, b, "B", 75, 35, tag)


def test_a_cycle_promotes_b_everywhere_and_writes_the_ledger(
    store: EventStore, edges: Edges, deployed: dict[Alias, int], reload_calls: ReloadCalls
) -> None:
    v1, v2, v3 = deployed[Alias.PRODUCTION], deployed[Alias.B], deployed[Alias.SHADOW1]
    b_clearly_better(store, v1, v2)
    report = run_cycle(store, edges, [FAMILY])
    (outcome,) = report.outcomes
    assert outcome.error is None and outcome.decision is not None
    assert outcome.decision.action is Action.PROMOTE
    expected = {Alias.PRODUCTION: v2, Alias.B: v1, Alias.SHADOW1: v3, Alias.SHADOW2: None}
    assert registry_aliases(edges.client, FAMILY) == expected
    assert cache_aliases(edges.cache, FAMILY) == expected
    (entry,) = store.ledger(family=FAMILY.value)
    assert entry.action == "promote" and entry.after["Production"] == v2 and entry.before["Production"] == v1
    assert entry.evidence["aliases"]["B"]["games_won"] == 75
    assert reload_calls.calls == 1


def test_the_next_cycle_neither_swaps_back_nor_repairs_anything(
    store: EventStore, edges: Edges, deployed: dict[Alias, int]
) -> None:
    v1, v2 = deployed[Alias.PRODUCTION], deployed[Alias.B]
    b_clearly_better(store, v1, v2)
    run_cycle(store, edges, [FAMILY])
    play(store, v2, "Production", 20, 20, "b")
    play(store, v1, "B", 20, 20, "b")
    (outcome,) = run_cycle(store, edges, [FAMILY]).outcomes
    assert outcome.repaired == []
    assert outcome.decision is not None and outcome.decision.action is Action.RETAIN
    assert registry_aliases(edges.client, FAMILY)[Alias.PRODUCTION] == v2
    assert [e.action for e in store.ledger(family=FAMILY.value)] == ["retain", "promote"]


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
    # Cooldown: no fresh games since the swap, so no decision on stale evidence.
    assert outcome.decision is not None and outcome.decision.action is Action.INSUFFICIENT_DATA


def test_a_crash_after_the_ledger_entry_is_finished_from_the_ledger(
    store: EventStore, edges: Edges, deployed: dict[Alias, int]
) -> None:
    v1, v2 = deployed[Alias.PRODUCTION], deployed[Alias.B]
    b_clearly_better(store, v1, v2)
    history = FamilyHistory.of(load_changes(store, FAMILY))
    decision = decide(FAMILY, registry_aliases(edges.client, FAMILY), load_evidence(store), history)
    record_decision(store, decision)  # ... and the worker died before touching MLflow
    assert registry_aliases(edges.client, FAMILY)[Alias.PRODUCTION] == v1

    (outcome,) = run_cycle(store, edges, [FAMILY]).outcomes
    assert outcome.repaired[0].startswith("registry: Production, B moved")
    assert registry_aliases(edges.client, FAMILY)[Alias.PRODUCTION] == v2
    assert cache_aliases(edges.cache, FAMILY)[Alias.PRODUCTION] == v2


def test_rollback_restores_the_previous_production_everywhere(
    store: EventStore, edges: Edges, deployed: dict[Alias, int]
) -> None:
    v1, v2 = deployed[Alias.PRODUCTION], deployed[Alias.B]
    b_clearly_better(store, v1, v2)
    run_cycle(store, edges, [FAMILY])
    outcome = run_rollback(store, edges, FAMILY)
    assert outcome.decision is not None and outcome.decision.action is Action.ROLLBACK
    assert registry_aliases(edges.client, FAMILY)[Alias.PRODUCTION] == v1
    assert cache_aliases(edges.cache, FAMILY)[Alias.B] == v2
    # The evidence that promoted v2 predates the rollback: it cannot promote v2 again by itself.
    (after,) = run_cycle(store, edges, [FAMILY]).outcomes
    assert after.decision is not None and after.decision.action is Action.INSUFFICIENT_DATA
    assert [e.action for e in store.ledger(family=FAMILY.value)] == [
        "insufficient_data",
        "rollback",
        "promote",
    ]


def test_evidence_is_read_back_from_a_reopened_store(sqlite_url: str) -> None:
    first = EventStore.from_url(sqlite_url)
    b_clearly_better(first, 1, 2)
    first.close()
    reopened = EventStore.from_url(sqlite_url)
    evidence = load_evidence(reopened)
    reopened.close()
    assert evidence.get(FAMILY, 2).game_tally().wins == 75
    assert evidence.get(FAMILY, 1).game_tally().losses == 75


def test_a_challenger_with_better_replayed_rounds_is_moved_into_b(
    store: EventStore, edges: Edges, deployed: dict[Alias, int]
) -> None:
    # v3 (shadow1) predicts the player's move, v2 (B) predicts the move that beats it:
    # replayed, v3's policy would win and v2's would lose nearly every round.
    v1, v2, v3 = deployed[Alias.PRODUCTION], deployed[Alias.B], deployed[Alias.SHADOW1]
    for g in range(15):
        game = GameLog(f"r{g}", FAMILY, "Production", v1).start()
        for r in range(10):
            user = MOVES[(g + r) % 3]
            right = [0.9 if m is user else 0.05 for m in MOVES]
            wrong = [0.9 if m is beater_of(user) else 0.05 for m in MOVES]
            preds = {
                "Production": prediction(v1, 1 / 3, 1 / 3, 1 / 3),
                "B": prediction(v2, wrong[0], wrong[1], wrong[2]),
            }
            preds["shadow1"] = prediction(v3, right[0], right[1], right[2])
            game.round(user, MOVES[r % 3], preds)
        store.append(game.events)
    (outcome,) = run_cycle(store, edges, [FAMILY]).outcomes
    assert outcome.decision is not None and outcome.decision.action is Action.REORDER, outcome
    expected = {Alias.PRODUCTION: v1, Alias.B: v3, Alias.SHADOW1: v2, Alias.SHADOW2: None}
    assert registry_aliases(edges.client, FAMILY) == expected
    assert cache_aliases(edges.cache, FAMILY) == expected
    shadow = outcome.decision.evidence["aliases"]["shadow1"]
    assert shadow["rounds"] == 150 and shadow["accuracy"] == 1.0
