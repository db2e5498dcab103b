"""The one alias-move protocol: a crash between any two steps, on the promoter's kind of move and on a
rollback, and `recover()` converging MLflow and the serving cache to the ledger's state."""

from __future__ import annotations

import pytest
from mlflow import MlflowClient

from shared.events import AliasAction, EventStore, EventType, ModelTrained
from shared.features import ALIASES, Alias, Family
from shared.registry import (
    AliasMap,
    AliasMove,
    RegistryEdges,
    Step,
    apply_move,
    apply_moves,
    cache_aliases,
    ledger_aliases,
    recover,
    registry_aliases,
    set_aliases,
)
from shared.serving_cache import ServingCache
from tests.mlflow_edges import FAMILY, ReloadCalls


class SimulatedCrashError(Exception):
    """Stands for the worker dying right after a step of the protocol."""


def crash_after(step: Step):  # type: ignore[no-untyped-def]
    def hook(done: Step) -> None:
        if done is step:
            raise SimulatedCrashError(step)

    return hook


def aliases(p: int | None, b: int | None, s1: int | None = None, s2: int | None = None) -> AliasMap:
    return dict(zip(ALIASES, (p, b, s1, s2), strict=True))


def converged(store: EventStore, edges: RegistryEdges) -> AliasMap:
    """Asserts MLflow, the cache markers and the ledger agree; returns that state."""
    recorded = ledger_aliases(store, FAMILY)
    assert recorded is not None
    assert registry_aliases(edges.client, FAMILY) == recorded[1]
    assert cache_aliases(edges.cache, FAMILY) == recorded[1]
    for version in {v for v in recorded[1].values() if v is not None}:
        assert edges.cache.has_model(FAMILY, version)
    return recorded[1]


@pytest.fixture
def deployed(
    store: EventStore,
    mlflow_client: MlflowClient,
    cache: ServingCache,
    versions: list[int],
    reload_calls: ReloadCalls,
) -> AliasMap:
    """Production=v1, B=v2, shadow1=v3, placed through the protocol (a first ledger entry)."""
    v1, v2, v3 = versions
    edges = RegistryEdges(mlflow_client, cache, reload_calls)
    start = AliasMove(FAMILY, AliasAction.REGISTER, aliases(None, None), aliases(v1, v2, v3), "deployed")
    apply_move(store, edges, start)
    return aliases(v1, v2, v3)


def promote(state: AliasMap) -> AliasMove:
    after = {**state, Alias.PRODUCTION: state[Alias.B], Alias.B: state[Alias.PRODUCTION]}
    return AliasMove(FAMILY, AliasAction.PROMOTE, state, after, "B won", {"posterior": 0.99})


@pytest.mark.parametrize("step", list(Step))
@pytest.mark.parametrize("action", [AliasAction.PROMOTE, AliasAction.ROLLBACK])
def test_a_move_cut_short_after_any_step_is_finished_by_recover(
    store: EventStore,
    mlflow_client: MlflowClient,
    cache: ServingCache,
    deployed: AliasMap,
    reload_calls: ReloadCalls,
    step: Step,
    action: AliasAction,
) -> None:
    move = promote(deployed)
    if action is AliasAction.ROLLBACK:  # promote, then undo it: the rollback is the move cut short
        apply_move(store, RegistryEdges(mlflow_client, cache, reload_calls), move)
        move = AliasMove(FAMILY, action, move.after, move.before, "rollback by an operator")
    before_crash = reload_calls.calls
    crashing = RegistryEdges(mlflow_client, cache, reload_calls, crash=crash_after(step))
    with pytest.raises(SimulatedCrashError):
        apply_move(store, crashing, move)
    assert ledger_aliases(store, FAMILY) is not None
    assert ledger_aliases(store, FAMILY)[1] == move.after  # type: ignore[index]
    registry_moved = step is not Step.LEDGER
    assert (registry_aliases(mlflow_client, FAMILY) == move.after) is registry_moved
    assert (cache_aliases(cache, FAMILY) == move.after) is (step is Step.CACHE)
    assert reload_calls.calls == before_crash  # cut short before the reload

    edges = RegistryEdges(mlflow_client, cache, reload_calls)
    repaired = recover(store, edges, FAMILY)
    assert converged(store, edges) == move.after
    expected = {
        Step.LEDGER: ["registry: Production, B moved to the ledger's entry", "serving cache"],
        Step.REGISTRY: ["serving cache"],
        Step.CACHE: [],  # consistent; inference reloads on the AliasesChanged stream event
    }[step]
    assert [r[: len(e)] for r, e in zip(repaired, expected, strict=False)] == expected
    assert len(repaired) == len(expected)
    assert reload_calls.calls == before_crash + (1 if expected else 0)
    assert recover(store, edges, FAMILY) == []  # idempotent


def test_recover_puts_back_an_alias_moved_by_hand_and_leaves_a_family_without_ledger_alone(
    store: EventStore, mlflow_client: MlflowClient, cache: ServingCache, deployed: AliasMap
) -> None:
    edges = RegistryEdges(mlflow_client, cache)
    set_aliases(mlflow_client, FAMILY, {Alias.SHADOW2: deployed[Alias.B]})  # by hand, no ledger entry
    position = store.ledger(family=FAMILY.value)[0].position
    assert recover(store, edges, FAMILY) == [f"registry: shadow2 moved to the ledger's entry #{position}"]
    assert converged(store, edges) == deployed
    assert recover(store, edges, Family.XGBOOST) == []  # never recorded: MLflow is left as it is


def test_a_decision_that_moves_nothing_is_recorded_and_touches_no_edge(
    store: EventStore,
    mlflow_client: MlflowClient,
    cache: ServingCache,
    deployed: AliasMap,
    reload_calls: ReloadCalls,
) -> None:
    calls = reload_calls.calls
    crashing = RegistryEdges(mlflow_client, cache, reload_calls, crash=crash_after(Step.REGISTRY))
    retain = AliasMove(FAMILY, AliasAction.RETAIN, deployed, deployed, "not yet")
    report = apply_moves(store, crashing, [retain])
    assert report.cache == "not needed" and reload_calls.calls == calls
    (entry, *_) = store.ledger(family=FAMILY.value)
    assert entry.position == report.positions[0] and entry.action == "retain"


def test_preceding_events_go_in_the_entry_s_transaction_and_one_family_per_call(
    store: EventStore, mlflow_client: MlflowClient, cache: ServingCache, deployed: AliasMap
) -> None:
    edges = RegistryEdges(mlflow_client, cache)
    trained = ModelTrained(
        family=FAMILY.value,
        version=9,
        run_id="r",
        metrics={},
        gate={"passed": False},
        rows=1,
        games=1,
        window_days=1,
        data_position=1,
        duration_s=1.0,
    )
    move = AliasMove(
        FAMILY,
        AliasAction.REGISTER,
        deployed,
        deployed,
        "refused",
        preceding=(trained,),
    )
    position = apply_move(store, edges, move)
    last_two = store.read_aggregate(FAMILY.value)[-2:]
    assert [e.type for e in last_two] == [EventType.MODEL_TRAINED, EventType.ALIASES_CHANGED]
    assert last_two[1].position == position == last_two[0].position + 1  # type: ignore[operator]
    with pytest.raises(ValueError, match="one move per family"):
        apply_moves(store, edges, [move, move])
