"""One training run over the families: the event store, MLflow and the serving cache wired together.

Order: (1) train and score every family, (2) log and register every candidate (no alias yet),
(3) place them through shared.registry's alias-move protocol: for each family its `ModelTrained`
and its ledger entry in one transaction (a placement in shadow2, or a refusal that moves nothing),
then the MLflow aliases, then one cache sync and one inference reload. A crash before (3) leaves
every alias as it was; a crash inside (3) is finished by the next `recover()` (this run's
start, or the promoter's next cycle), which moves MLflow to what the ledger says.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mlflow import MlflowClient

from services.trainer import defaults
from services.trainer.dataset import TrainingData
from services.trainer.evaluation import replay_policy
from services.trainer.events import placement
from services.trainer.gate import GateVerdict, Incumbent, offline_gate
from services.trainer.pipeline import FITS_PER_FAMILY, FamilyResult, Progress, train_family
from services.trainer.rowcache import RowsCache
from services.trainer.splits import BoolArray
from services.trainer.tracking import ensure_experiment, log_training_run
from shared.events import EventStore, ModelTrained
from shared.features import FEATURE_CONTRACT_HASH, Alias, Family
from shared.features.experts import EXPERTS_HASH
from shared.models import ArtifactError, load_artifact, params_for, params_to_dict
from shared.registry import (
    AliasMove,
    RegistryEdges,
    ReloadResult,
    apply_moves,
    download_version,
    read_aliases,
    recover,
    register_version,
    registry_aliases,
)
from shared.registry.cards import log_card, new_card, refresh_cards
from shared.registry.moves import SYNC_ERRORS
from shared.serving_cache import ServingCache
from shared.settings import METRICS_WINDOW_DAYS

log = logging.getLogger(__name__)

# Test seam: called with a stage name ("registered", "before_aliases", then the protocol's steps
# "ledger", "registry", "cache") and the family (None for a stage of every family).
Hook = Callable[[str, Family | None], None]


@dataclass(slots=True)
class Edges:
    """What a run talks to; tests build their own."""

    store: EventStore
    client: MlflowClient
    cache: ServingCache
    reload: Callable[[], ReloadResult]  # asks inference to reload; never raises
    rows_dir: Path  # the training-rows cache's files (rowcache.py)
    experiment: str = defaults.EXPERIMENT
    artifacts_dir: Path | None = None  # local MLflow store: where run artifacts go


@dataclass(frozen=True, slots=True)
class Options:
    families: Sequence[Family] = tuple(Family)
    window_days: int = METRICS_WINDOW_DAYS
    max_rows: int = defaults.MAX_TRAINING_ROWS
    min_rows: int = defaults.MIN_TOTAL_ROWS
    min_new_rows: int = defaults.MIN_NEW_ROWS
    gate_margin: float = defaults.GATE_MARGIN
    gate_min_rows: int = defaults.GATE_MIN_ROWS
    force: bool = False  # train without enough new rows, and below min_rows down to FORCE_MIN_ROWS
    params: Mapping[Family, Mapping[str, Any]] = field(default_factory=dict)
    now: datetime | None = None


@dataclass(slots=True)
class FamilyOutcome:
    family: Family
    status: str  # "trained" or "skipped"
    reason: str
    version: int | None = None
    run_id: str | None = None
    gate: dict[str, Any] | None = None
    aliases_before: dict[str, int] = field(default_factory=dict)
    aliases_after: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class TrainingReport:
    rows: int
    games: int
    outcomes: list[FamilyOutcome] = field(default_factory=list)
    cache_sync: str = "not run"
    reload: str = "not run"

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "games": self.games,
            "cache_sync": self.cache_sync,
            "reload": self.reload,
            "families": [
                {
                    "family": o.family.value,
                    "status": o.status,
                    "reason": o.reason,
                    "version": o.version,
                    "run_id": o.run_id,
                    "gate": o.gate,
                    "aliases_before": o.aliases_before,
                    "aliases_after": o.aliases_after,
                    "metrics": o.metrics,
                }
                for o in self.outcomes
            ],
        }


@dataclass(slots=True)
class _Registered:
    result: FamilyResult
    version: int
    run_id: str
    verdict: GateVerdict
    duration_s: float  # fit, scoring against Production, MLflow logging and registration


def last_data_position(store: EventStore, family: Family) -> int:
    """The log position the family's last training run read up to (0 if never trained)."""
    for event in reversed(store.read_aggregate(family.value)):
        if isinstance(event.payload, ModelTrained):
            return event.payload.data_position
    return 0


def skip_reason(data: TrainingData, new_rows: int, options: Options) -> str | None:
    """Why a family should not train on this data, or None."""
    minimum = min(options.min_rows, defaults.FORCE_MIN_ROWS) if options.force else options.min_rows
    if data.rows < minimum:
        floor = " (the floor of a forced run)" if options.force else ""
        return f"{data.rows} training rows, fewer than the minimum {minimum}{floor}"
    if data.games < defaults.MIN_GAMES:
        return f"{data.games} games, fewer than the minimum {defaults.MIN_GAMES}"
    if not options.force and new_rows < options.min_new_rows:
        return f"{new_rows} new rows since the last run, fewer than the minimum {options.min_new_rows}"
    return None


def trained_positions(store: EventStore, family: Family) -> dict[int, int]:
    """The log position each version's training data was read up to, from its ModelTrained event."""
    return {
        e.payload.version: e.payload.data_position
        for e in store.read_aggregate(family.value)
        if isinstance(e.payload, ModelTrained)
    }


def _data_position(
    client: MlflowClient, family: Family, version: int, recorded: Mapping[int, int]
) -> int | None:
    """From the event log, else the version's MLflow run (param `data_position`); None if neither has it."""
    if version in recorded:
        return recorded[version]
    run_id = client.get_model_version(family.value, str(version)).run_id
    value = client.get_run(run_id).data.params.get("data_position") if run_id else None
    return None if value is None else int(value)


def _replay_incumbent(
    client: MlflowClient,
    family: Family,
    aliases: tuple[Alias, ...],
    version: int,
    data: TrainingData,
    rows: BoolArray,
) -> Incumbent:
    """One incumbent's policy replayed on `rows` (an incumbent that cannot be loaded is not comparable)."""
    dataset = data.dataset
    with tempfile.TemporaryDirectory(prefix="rps-incumbent-") as tmp:
        try:
            model = load_artifact(download_version(client, family, version, Path(tmp)))
        except ArtifactError as exc:
            return Incumbent(aliases, version, None, note=str(exc))
        proba = model.predict_proba(dataset.features[rows])
    labels = dataset.labels[rows]
    replay = replay_policy(proba, dataset.features[rows], labels, dataset.game_index[rows])
    accuracy = float((proba.argmax(axis=1) == labels).mean()) if len(labels) else None
    return Incumbent(aliases, version, replay.values, accuracy)


def gate_candidate(
    edges: Edges, family: Family, result: FamilyResult, data: TrainingData, options: Options
) -> GateVerdict:
    """Compare the candidate's recipe with today's Production and B on the holdout rows none of them
    trained on (gate.py's docstring), and judge it."""
    current = read_aliases(edges.client, family)
    serving: dict[int, tuple[Alias, ...]] = {}
    for alias in (Alias.PRODUCTION, Alias.B):
        if alias in current:
            serving[current[alias]] = (*serving.get(current[alias], ()), alias)
    recorded = trained_positions(edges.store, family)
    positions = {v: _data_position(edges.client, family, v, recorded) for v in serving}
    known = [p for p in positions.values() if p is not None]
    unseen_after = max(known) if known else None
    holdout = result.split.holdout
    rows = holdout & (data.row_positions > (unseen_after if unseen_after is not None else data.head_position))
    incumbents = [
        _replay_incumbent(edges.client, family, aliases, version, data, rows)
        if positions[version] is not None
        else Incumbent(aliases, version, None, note="the log position its training data ended at is unknown")
        for version, aliases in serving.items()
    ]
    proba = result.holdout_proba[rows[holdout]]
    labels = data.dataset.labels[rows]
    replay = replay_policy(proba, data.dataset.features[rows], labels, data.dataset.game_index[rows])
    accuracy = float((proba.argmax(axis=1) == labels).mean()) if len(labels) else 0.0
    return offline_gate(
        result.holdout,
        replay.values,
        accuracy,
        incumbents,
        options.gate_margin,
        options.gate_min_rows,
        unseen_after,
    )


def _card(
    family: Family,
    version: int,
    run_id: str,
    result: FamilyResult,
    data: TrainingData,
    verdict: GateVerdict,
    options: Options,
) -> dict[str, Any]:
    """The version's model card as registered (the ledger and evidence sections follow)."""
    split = result.split
    return new_card(
        family,
        version,
        run_id,
        data={
            "window_start": data.window_start.isoformat(),
            "window_end": data.window_end.isoformat(),
            "window_days": options.window_days,
            "rows": data.rows,
            "games": data.games,
            "data_position": data.head_position,
            "rows_step1": {
                "train": int(split.train.sum()),
                "val": int(split.val.sum()),
                "holdout": int(split.holdout.sum()),
            },
        },
        contract_hash=FEATURE_CONTRACT_HASH,
        experts_hash=EXPERTS_HASH if getattr(result.params, "expert_features", False) else None,
        hyperparameters=params_to_dict(result.params),
        holdout=result.metrics(),
        gate=verdict.to_json(),
    )


def _train_and_register(
    edges: Edges, experiment_id: str, family: Family, data: TrainingData, options: Options, progress: Progress
) -> _Registered:
    started = time.perf_counter()
    params = params_for(family, options.params.get(family))
    result = train_family(family, data.dataset, params, progress=progress)
    verdict = gate_candidate(edges, family, result, data, options)
    log.info("%s gate %s: %s", family.value, "passed" if verdict.passed else "failed", verdict.reason)
    run = edges.client.create_run(experiment_id, run_name=f"{family.value}-{data.window_end:%Y%m%d-%H%M%S}")
    run_id = run.info.run_id
    try:
        extra = {
            "window_days": options.window_days,
            "gate_margin": options.gate_margin,
            "gate_min_rows": options.gate_min_rows,
            "force": options.force,
        }
        log_training_run(edges.client, run_id, result, data, verdict, extra)
        with tempfile.TemporaryDirectory(prefix="rps-artifact-") as tmp:
            result.candidate.save(Path(tmp), run_id=run_id)
            version = register_version(edges.client, family, run_id, Path(tmp))
        edges.client.set_tag(run_id, "registered_version", str(version))
        log_card(edges.client, run_id, _card(family, version, run_id, result, data, verdict, options))
    except BaseException:
        edges.client.set_terminated(run_id, "FAILED")
        raise
    edges.client.set_terminated(run_id, "FINISHED")
    return _Registered(result, version, run_id, verdict, time.perf_counter() - started)


def run_training(
    edges: Edges, options: Options, hook: Hook | None = None, progress: Progress | None = None
) -> TrainingReport:
    """Train every family that has enough new data; see the module docstring for the order."""
    stage = hook or (lambda _stage, _family: None)
    tick = progress or (lambda _step: None)
    now = options.now or datetime.now(UTC)
    data = RowsCache(edges.store, edges.rows_dir).training_data(options.window_days, now, options.max_rows)
    report = TrainingReport(rows=data.rows, games=data.games)
    log.info("training data: %d rows of %d games since %s", data.rows, data.games, data.window_start)

    todo: list[Family] = []
    for family in options.families:
        new_rows = data.new_rows(last_data_position(edges.store, family))
        reason = skip_reason(data, new_rows, options)
        if reason is None:
            todo.append(family)
        else:
            log.info("skipping %s: %s", family.value, reason)
            report.outcomes.append(FamilyOutcome(family, "skipped", reason))
            for _ in range(FITS_PER_FAMILY):
                tick(f"{family.value}: skipped")
    if not todo:
        return report

    registry = RegistryEdges(
        edges.client, edges.cache, edges.reload, crash=lambda step: stage(step.value, None)
    )
    for family in todo:
        recover(edges.store, registry, family)  # gate and plan on the ledger's state, not a half-made change
    experiment_id = ensure_experiment(edges.client, edges.experiment, edges.artifacts_dir)
    registered: list[_Registered] = []
    for family in todo:
        item = _train_and_register(edges, experiment_id, family, data, options, tick)
        stage("registered", family)
        registered.append(item)

    stage("before_aliases", None)
    moves: list[AliasMove] = []
    for item in registered:
        family = item.result.family
        before = registry_aliases(edges.client, family)
        trained = ModelTrained(
            family=family.value,
            version=item.version,
            run_id=item.run_id,
            metrics=item.result.metrics(),
            gate=item.verdict.to_json(),
            rows=data.rows,
            games=data.games,
            window_days=options.window_days,
            data_position=data.head_position,
            duration_s=item.duration_s,
        )
        move = placement(family, before, item.version, item.verdict, trained)
        moves.append(move)
        report.outcomes.append(
            FamilyOutcome(
                family,
                "trained",
                item.verdict.reason,
                version=item.version,
                run_id=item.run_id,
                gate=item.verdict.to_json(),
                aliases_before={a.value: v for a, v in move.before.items() if v is not None},
                aliases_after={a.value: v for a, v in move.after.items() if v is not None},
                metrics=item.result.metrics(),
            )
        )
    applied = apply_moves(edges.store, registry, moves)
    report.cache_sync, report.reload = applied.cache, applied.reload
    for item in registered:  # the cards gain their ledger entry; a failure costs a card, not the run
        try:
            refresh_cards(edges.store, edges.client, edges.cache, item.result.family)
        except SYNC_ERRORS:
            log.exception(
                "model cards of %s not refreshed; the promoter's next refresh does it", item.result.family
            )
    return report
