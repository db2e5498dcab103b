"""One training run over the families: the event store, MLflow and the serving cache wired together.

Order, so a run that crashes leaves the aliases as they were: (1) train and score every family,
(2) log and register every candidate (no alias yet), (3) move the aliases of every family at
the end (undone if a move fails), (4) append ModelTrained / AliasesChanged, (5) sync the serving
cache and ask inference to reload (both best effort: inference also reloads from the event).
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
from services.trainer import events as payloads
from services.trainer.dataset import TrainingData, load_training_data
from services.trainer.evaluation import score
from services.trainer.gate import GateVerdict, ProductionScores, offline_gate
from services.trainer.pipeline import FITS_PER_FAMILY, FamilyResult, Progress, train_family
from services.trainer.tracking import ensure_experiment, log_training_run
from shared.events import EventStore, ModelTrained
from shared.features import Alias, Family
from shared.models import ArtifactError, load_artifact, params_for
from shared.registry import download_version, read_aliases, register_version, set_aliases, sync_serving_cache
from shared.serving_cache import ServingCache
from shared.settings import METRICS_WINDOW_DAYS

log = logging.getLogger(__name__)

# Test seam: called with a stage name ("trained", "registered", "before_aliases") and the family.
Hook = Callable[[str, Family | None], None]


@dataclass(slots=True)
class Edges:
    """What a run talks to; tests build their own."""

    store: EventStore
    client: MlflowClient
    cache: ServingCache
    reload: Callable[[], str]  # asks inference to reload; returns a status line, never raises
    experiment: str = defaults.EXPERIMENT
    artifacts_dir: Path | None = None  # local MLflow store: where run artifacts go


@dataclass(frozen=True, slots=True)
class Options:
    families: Sequence[Family] = tuple(Family)
    window_days: int = METRICS_WINDOW_DAYS
    min_rows: int = defaults.MIN_TOTAL_ROWS
    min_new_rows: int = defaults.MIN_NEW_ROWS
    gate_margin: float = defaults.GATE_MARGIN
    force: bool = False  # train even without enough new rows (still needs min_rows)
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
    if data.rows < options.min_rows:
        return f"{data.rows} training rows, fewer than the minimum {options.min_rows}"
    if data.games < defaults.MIN_GAMES:
        return f"{data.games} games, fewer than the minimum {defaults.MIN_GAMES}"
    if not options.force and new_rows < options.min_new_rows:
        return f"{new_rows} new rows since the last run, fewer than the minimum {options.min_new_rows}"
    return None


def production_scores(
    client: MlflowClient, family: Family, version: int, result: FamilyResult, data: TrainingData
) -> ProductionScores:
    """Current Production on the same holdout rows the candidate's recipe was scored on."""
    mask = result.split.holdout
    dataset = data.dataset
    with tempfile.TemporaryDirectory(prefix="rps-production-") as tmp:
        try:
            model = load_artifact(download_version(client, family, version, Path(tmp)))
        except ArtifactError as exc:
            return ProductionScores(version, None, str(exc))
        proba = model.predict_proba(dataset.features[mask])
    scores = score(proba, dataset.features[mask], dataset.labels[mask], dataset.game_index[mask], family)
    return ProductionScores(version, scores)


def _train_and_register(
    edges: Edges, experiment_id: str, family: Family, data: TrainingData, options: Options, progress: Progress
) -> _Registered:
    started = time.perf_counter()
    params = params_for(family, options.params.get(family))
    result = train_family(family, data.dataset, params, progress=progress)
    current = read_aliases(edges.client, family)
    production = current.get(Alias.PRODUCTION)
    prod_scores = (
        None if production is None else production_scores(edges.client, family, production, result, data)
    )
    verdict = offline_gate(result.holdout, prod_scores, options.gate_margin)
    log.info("%s gate %s: %s", family.value, "passed" if verdict.passed else "failed", verdict.reason)
    run = edges.client.create_run(experiment_id, run_name=f"{family.value}-{data.window_end:%Y%m%d-%H%M%S}")
    run_id = run.info.run_id
    try:
        extra = {
            "window_days": options.window_days,
            "gate_margin": options.gate_margin,
            "force": options.force,
        }
        log_training_run(edges.client, run_id, result, data, verdict, extra)
        with tempfile.TemporaryDirectory(prefix="rps-artifact-") as tmp:
            result.candidate.save(Path(tmp), run_id=run_id)
            version = register_version(edges.client, family, run_id, Path(tmp))
        edges.client.set_tag(run_id, "registered_version", str(version))
    except BaseException:
        edges.client.set_terminated(run_id, "FAILED")
        raise
    edges.client.set_terminated(run_id, "FINISHED")
    return _Registered(result, version, run_id, verdict, time.perf_counter() - started)


def _move_aliases(
    client: MlflowClient, plans: Mapping[Family, tuple[dict[Alias, int], dict[Alias, int]]]
) -> None:
    """Set every planned alias; if one family's move fails, put the families already moved back."""
    done: list[Family] = []
    try:
        for family, (_before, plan) in plans.items():
            set_aliases(client, family, plan)
            done.append(family)
    except BaseException:
        for family in done:
            before, plan = plans[family]
            try:
                set_aliases(client, family, {alias: before.get(alias) for alias in plan})
            except Exception:  # keep the first error; this one is logged
                log.exception("could not restore the aliases of %s", family.value)
        raise


def run_training(
    edges: Edges, options: Options, hook: Hook | None = None, progress: Progress | None = None
) -> TrainingReport:
    """Train every family that has enough new data; see the module docstring for the order."""
    stage = hook or (lambda _stage, _family: None)
    tick = progress or (lambda _step: None)
    now = options.now or datetime.now(UTC)
    data = load_training_data(edges.store, options.window_days, now)
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

    experiment_id = ensure_experiment(edges.client, edges.experiment, edges.artifacts_dir)
    registered: list[_Registered] = []
    for family in todo:
        item = _train_and_register(edges, experiment_id, family, data, options, tick)
        stage("registered", family)
        registered.append(item)

    stage("before_aliases", None)
    plans: dict[Family, tuple[dict[Alias, int], dict[Alias, int]]] = {}
    for item in registered:
        before = read_aliases(edges.client, item.result.family)
        plan = payloads.plan_aliases(before, item.version, item.verdict.passed)
        if plan is not None:
            plans[item.result.family] = (before, plan)
    _move_aliases(edges.client, plans)

    for item in registered:
        family = item.result.family
        metrics = item.result.metrics()
        edges.store.append_next(
            family.value,
            ModelTrained(
                family=family.value,
                version=item.version,
                run_id=item.run_id,
                metrics=metrics,
                gate=item.verdict.to_json(),
                rows=data.rows,
                games=data.games,
                window_days=options.window_days,
                data_position=data.head_position,
                duration_s=item.duration_s,
            ),
        )
        outcome = FamilyOutcome(
            family,
            "trained",
            item.verdict.reason,
            version=item.version,
            run_id=item.run_id,
            gate=item.verdict.to_json(),
            metrics=metrics,
        )
        if family in plans:
            before, plan = plans[family]
            after = {**before, **plan}
            edges.store.append_next(
                family.value,
                payloads.aliases_registered(family, before, after, item.verdict, item.version),
            )
            outcome.aliases_before = {a.value: v for a, v in before.items()}
            outcome.aliases_after = {a.value: v for a, v in after.items()}
        report.outcomes.append(outcome)

    try:
        sync = sync_serving_cache(edges.cache, edges.client, clean=True)
        report.cache_sync = f"uploaded {len(sync.uploaded)}, removed {len(sync.removed_models)} models"
    except Exception as exc:  # aliases are already right in the registry: inference can fall back to it
        log.exception("serving-cache sync failed")
        report.cache_sync = f"failed: {exc}"
    if plans:
        report.reload = edges.reload()
    return report
