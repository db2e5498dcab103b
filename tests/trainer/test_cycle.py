"""Full training cycles against a real event store (SQLite), MLflow SQLite store and S3 server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from mlflow import MlflowClient

from services.trainer.cycle import Edges, Options, run_training
from services.trainer.synthetic import append_games, generate_games
from shared.events import AliasAction, EventStore, EventType
from shared.features import FAMILIES, Alias, Family
from shared.models import load_artifact
from shared.registry import (
    AliasMove,
    RegistryEdges,
    ReloadResult,
    Step,
    apply_move,
    read_aliases,
    registry_aliases,
)
from shared.registry.cards import read_card
from shared.serving_cache import S3Cache
from tests.models.conftest import SMALL

NOW = datetime.now(UTC)


@dataclass
class FakeReload:
    """Stands in for inference's POST /models/reload (injected, so the test sees each call)."""

    calls: int = 0
    answers: list[str] = field(default_factory=list)

    def __call__(self) -> ReloadResult:
        self.calls += 1
        return ReloadResult(True, "ok")


@dataclass
class World:
    store: EventStore
    client: MlflowClient
    cache: S3Cache
    reload: FakeReload
    edges: Edges
    seed: int = 0

    def play(self, games: int) -> None:
        self.seed += 1
        start = NOW - timedelta(hours=10 - self.seed)
        append_games(self.store, list(generate_games(games, seed=self.seed, start=start)))

    def aliases(self) -> dict[Family, dict[Alias, int]]:
        return {f: read_aliases(self.client, f) for f in FAMILIES}

    def markers(self) -> dict[str, dict[str, int]]:
        return {f: {a: m.version for a, m in ms.items()} for f, ms in self.cache.read_all_markers().items()}


def options(**overrides: object) -> Options:
    values: dict[str, object] = {"params": SMALL, "min_rows": 200, "min_new_rows": 100, "gate_margin": 0.5}
    values.update(overrides)
    return Options(**values)  # type: ignore[arg-type]


@pytest.fixture
def world(
    sqlite_url: str, mlflow_client: MlflowClient, artifact_root: Path, s3_bucket: tuple[str, str]
) -> Iterator[World]:
    endpoint, bucket = s3_bucket
    store = EventStore.from_url(sqlite_url)
    cache = S3Cache(bucket=bucket, endpoint_url=endpoint)
    reload = FakeReload()
    edges = Edges(
        store=store,
        client=mlflow_client,
        cache=cache,
        reload=reload,
        rows_dir=artifact_root.parent / "training-cache",
        artifacts_dir=artifact_root,
    )
    yield World(store, mlflow_client, cache, reload, edges)
    store.close()


def _fill_b_like_the_promoter(world: World) -> None:
    """Move shadow1 into B in every family, as the promoter does when B equals Production (ledger first)."""
    edges = RegistryEdges(world.client, world.cache, world.reload)
    for family in FAMILIES:
        before = registry_aliases(world.client, family)
        after = {**before, Alias.B: before[Alias.SHADOW1], Alias.SHADOW1: None}
        apply_move(world.store, edges, AliasMove(family, AliasAction.REORDER, before, after, "test"))


def test_full_cycles_register_every_family_and_the_cache_holds_exactly_the_aliased_models(
    world: World,
) -> None:
    world.play(40)
    first = run_training(world.edges, options())
    assert [o.status for o in first.outcomes] == ["trained"] * len(FAMILIES), first.to_json()
    assert world.aliases() == {f: dict.fromkeys(Alias, 1) for f in FAMILIES}, first.to_json()
    assert world.reload.calls == 1

    # Three more runs on new data: each new version waits in the first free shadow slot (one
    # holding Production's version again counts as free); after the first the promoter fills B,
    # so every family ends with four different versions under its four aliases.
    for fill_b in (True, False, False):
        world.play(15)
        run_training(world.edges, options())
        if fill_b:
            _fill_b_like_the_promoter(world)
    expected = {Alias.PRODUCTION: 1, Alias.B: 2, Alias.SHADOW1: 3, Alias.SHADOW2: 4}
    assert world.aliases() == dict.fromkeys(FAMILIES, expected)

    # The last run's sync came before nothing else moved: sync now reflects the promoter's moves too.
    from shared.registry import sync_serving_cache

    sync_serving_cache(world.cache, world.client, clean=True)
    models = world.cache.list_models()
    assert len(models) == 4 * len(FAMILIES)
    assert {(m.family, m.version) for m in models} == {(f.value, v) for f in FAMILIES for v in (1, 2, 3, 4)}
    assert world.markers() == {f.value: {a.value: v for a, v in expected.items()} for f in FAMILIES}
    for family in FAMILIES:
        with world.cache.model_dir(family, 4) as directory:
            model = load_artifact(directory)
            assert model.meta.family is family and model.meta.version == 4

    for family in FAMILIES:
        events = world.store.read_aggregate(family.value)
        trained = [e for e in events if e.type is EventType.MODEL_TRAINED]
        changed = [
            e for e in events if e.type is EventType.ALIASES_CHANGED and e.payload.action == "register"
        ]
        assert [e.payload.version for e in trained] == [1, 2, 3, 4]
        assert all(e.payload.gate["passed"] for e in trained)
        assert all(e.payload.duration_s > 0 for e in trained)  # rps_trainer_last_duration_seconds
        assert [e.payload.action for e in changed] == ["register"] * 4
        assert changed[0].payload.after == {a.value: 1 for a in Alias}
        assert changed[-1].payload.before[Alias.SHADOW2.value] == 1  # Production again: a free slot
        assert changed[-1].payload.after[Alias.SHADOW2.value] == 4
        ledger = world.store.ledger(family=family.value)
        # Newest first: v4 and v3 waited in free shadow slots; B was filled after v2's placement.
        assert [e.action for e in ledger] == ["register", "register", "reorder", "register", "register"]

    run = world.client.get_run(trained[-1].payload.run_id)
    assert run.data.tags["gate.passed"] == "true"
    assert {"holdout_accuracy", "holdout_game_win_rate", "cv_accuracy_std", "candidate_val_log_loss"} <= set(
        run.data.metrics
    )
    assert run.data.params["contract_hash"] == trained[-1].payload.contract_hash
    artifacts = {a.path for a in world.client.list_artifacts(run.info.run_id, "plots")}
    assert artifacts == {"plots/learning_curve.png", "plots/confusion_matrix.png", "plots/calibration.png"}
    model = {a.path for a in world.client.list_artifacts(run.info.run_id, "model")}
    assert {"model/MLmodel", "model/input_example.json", "model/data"} <= model  # a standard MLflow model
    artifact = {a.path for a in world.client.list_artifacts(run.info.run_id, "model/data/artifact")}
    assert "model/data/artifact/meta.json" in artifact


def test_a_crash_mid_job_changes_no_alias_and_no_cache_marker(world: World) -> None:
    world.play(40)
    run_training(world.edges, options())
    before_aliases, before_markers = world.aliases(), world.markers()
    world.play(15)

    def crash(stage: str, family: Family | None) -> None:
        if stage == "registered" and family is Family.MNLOGIT:
            raise RuntimeError("injected crash after registering two families")

    with pytest.raises(RuntimeError, match="injected"):
        run_training(world.edges, options(), hook=crash)
    assert world.aliases() == before_aliases
    assert world.markers() == before_markers
    changed = world.store.read_aggregate(Family.XGBOOST.value)
    assert [e.type for e in changed] == [EventType.MODEL_TRAINED, EventType.ALIASES_CHANGED]
    assert world.reload.calls == 1  # only the first, successful run

    # The next run trains again (the crashed one recorded nothing) and places it in shadow1.
    report = run_training(world.edges, options())
    assert {o.status for o in report.outcomes} == {"trained"}
    assert read_aliases(world.client, Family.XGBOOST)[Alias.SHADOW1] == 3  # v2 was registered by the crash


def test_a_run_without_enough_new_rows_is_skipped_and_says_why(world: World) -> None:
    world.play(40)
    run_training(world.edges, options(families=(Family.MNLOGIT,)))
    again = run_training(world.edges, options(families=(Family.MNLOGIT,)))
    (outcome,) = again.outcomes
    assert outcome.status == "skipped"
    assert "0 new rows since the last run" in outcome.reason
    assert read_aliases(world.client, Family.MNLOGIT) == dict.fromkeys(Alias, 1)

    # Forced: no new-rows minimum, and the total-rows minimum falls to the floor FORCE_MIN_ROWS.
    forced = run_training(world.edges, options(families=(Family.MNLOGIT,), force=True, min_rows=10_000))
    assert forced.outcomes[0].status == "trained" and forced.outcomes[0].version == 2


def test_too_little_data_skips_every_family(world: World) -> None:
    world.play(3)
    report = run_training(world.edges, options())
    assert {o.status for o in report.outcomes} == {"skipped"}
    assert all("fewer than the minimum 200" in o.reason for o in report.outcomes)
    forced = run_training(world.edges, options(force=True))
    assert all("fewer than the minimum 100 (the floor of a forced run)" in o.reason for o in forced.outcomes)
    assert world.aliases() == {f: {} for f in FAMILIES}
    assert world.reload.calls == 0


def test_a_genuinely_worse_candidate_is_registered_refused_and_says_so_a_good_one_passes(
    world: World,
) -> None:
    family = Family.MNLOGIT
    world.play(40)
    run_training(world.edges, options(families=(family,)))
    world.play(60)
    # Shrunk hard towards uniform, it still predicts the player's move well above chance, but its
    # probabilities are too timid for the policy to exploit: fewer points per round, same rounds.
    timid = {family: {**SMALL[family], "c_path": (1e-4,), "expert_features": False}}
    report = run_training(world.edges, options(families=(family,), gate_margin=0.0, params=timid))
    (outcome,) = report.outcomes
    assert outcome.version == 2 and outcome.gate is not None, report.to_json()
    gate = outcome.gate
    assert not gate["passed"] and "worse than Production and B v1 on the same" in outcome.reason, gate
    assert gate["accuracy"] > 1 / 3  # it beat chance: only the score comparison refused it
    (comparison,) = gate["comparisons"]
    assert comparison["version"] == 1 and comparison["aliases"] == ["Production", "B"]
    assert comparison["rows"] == gate["compared_rows"] >= 100
    assert comparison["candidate_score"] < comparison["incumbent_score"] and comparison["upper_bound"] < 0
    # None of the compared rows was in v1's training data.
    v1_trained = world.store.read_aggregate(family.value)[0]
    assert (
        v1_trained.type is EventType.MODEL_TRAINED
        and gate["unseen_after"] == v1_trained.payload.data_position
    )
    assert read_aliases(world.client, family) == dict.fromkeys(Alias, 1)
    assert str(world.client.get_model_version(family.value, "2").version) == "2"  # registered all the same
    trained, entry = world.store.read_aggregate(family.value)[-2:]
    assert trained.type is EventType.MODEL_TRAINED and trained.payload.gate == gate
    assert entry.type is EventType.ALIASES_CHANGED and entry.payload.before == entry.payload.after
    assert "refused" in entry.payload.reason and entry.payload.evidence["gate"] == gate
    run = world.client.get_run(outcome.run_id or "")
    assert (
        run.data.tags["gate.passed"] == "false"
        and run.data.metrics["gate_compared_rows"] == gate["compared_rows"]
    )

    # Its model card says the same, and it has no copy in the serving cache (no alias).
    card = read_card(world.client, outcome.run_id or "")
    assert card is not None and card["version"] == 2 and card["gate"] == gate
    assert (
        card["data"]["rows"] == report.rows and card["data"]["data_position"] == trained.payload.data_position
    )
    assert card["hyperparameters"]["c_path"] == [1e-4] and card["experts_hash"] is None
    assert card["contract_hash"] == trained.payload.contract_hash
    assert [(e["action"], e["after"]) for e in card["ledger"]] == [("register", None)]
    assert "refused" in card["ledger"][0]["reason"]
    assert world.cache.read_card(family, 2) is None and world.cache.read_card(family, 1) is not None

    world.play(30)
    again = run_training(world.edges, options(families=(family,), gate_margin=0.0))
    (good,) = again.outcomes
    assert good.gate is not None and good.gate["passed"], good.reason
    assert read_aliases(world.client, family)[Alias.SHADOW1] == 3  # the first free waiting slot
    cached = json.loads(world.cache.read_card(family, 3) or b"{}")
    assert cached["gate"]["passed"] and cached["ledger"][-1]["after"] == "shadow1"
    assert cached["experts_hash"] is not None  # SMALL keeps the expert columns on
    assert (world.cache.read_card(family, 3, "card.md") or b"").startswith(b"# rps_bot_mnlogit v3 (logan)")


@pytest.mark.parametrize("step", list(Step))
def test_a_placement_cut_short_after_any_step_is_finished_by_recover_never_reverted(
    world: World, step: Step
) -> None:
    family = Family.MNLOGIT
    world.play(40)
    run_training(world.edges, options(families=(family,)))
    world.play(15)

    def crash(stage: str, _family: Family | None) -> None:
        if stage == step.value:
            raise RuntimeError(f"injected crash after {stage}")

    with pytest.raises(RuntimeError, match="injected"):
        run_training(world.edges, options(families=(family,)), hook=crash)
    trained, entry = world.store.read_aggregate(family.value)[-2:]
    assert trained.type is EventType.MODEL_TRAINED and trained.payload.version == 2
    assert entry.payload.after[Alias.SHADOW1.value] == 2  # the ledger holds the intended state
    mlflow_moved = read_aliases(world.client, family).get(Alias.SHADOW1) == 2
    assert mlflow_moved is (step is not Step.LEDGER)
    assert (world.markers()[family.value][Alias.SHADOW1.value] == 2) is (step is Step.CACHE)

    # The promoter's next cycle starts with the same recover(): it finishes the move, never reverts it.
    from services.promoter.apply import recover

    recover(world.store, RegistryEdges(world.client, world.cache, world.reload), family)
    expected = {Alias.PRODUCTION: 1, Alias.B: 1, Alias.SHADOW1: 2, Alias.SHADOW2: 1}
    assert read_aliases(world.client, family) == expected
    assert world.markers()[family.value] == {a.value: v for a, v in expected.items()}
    assert world.cache.has_model(family, 2)
