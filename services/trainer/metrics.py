"""Trainer metrics, derived at scrape time from the `ModelTrained` events of the log.

Training runs in an RQ work horse that exits after each job, so gauges set there would never
be scraped; every number below is in the events instead. `TrainingCollector` folds the new
`ModelTrained` events at each scrape and saves its summary with the position it read up to (the
reader checkpoint `trainer.metrics`), so neither a scrape nor a restarted sidecar reads the log
again; `python -m services.worker serve-metrics` serves it next to the promoter's collector.
Listed in docs/metrics.md, "Trainer". Imports neither MLflow nor torch: it runs in a small sidecar.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field

import orjson
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from shared.events import Event, EventStore, EventType, ModelTrained, advance
from shared.features import FAMILIES

CHECKPOINT = "trainer.metrics"


@dataclass(slots=True)
class LastTraining:
    """What the family's newest ModelTrained event says."""

    at: float  # Unix time
    version: int
    duration_s: float | None  # absent from events written before the field existed
    holdout_accuracy: float | None


@dataclass(slots=True)
class TrainingSummary:
    """Models trained per family and gate result, and each family's last training."""

    position: int = 0  # the log position folded up to
    trained: dict[tuple[str, str], int] = field(default_factory=dict)  # (family, "passed"|"failed")
    last: dict[str, LastTraining] = field(default_factory=dict)

    def fold(self, events: Iterable[Event]) -> None:
        """Add `ModelTrained` events given in append order (others are ignored)."""
        for event in events:
            self.position = max(self.position, event.position or 0)
            payload = event.payload
            if not isinstance(payload, ModelTrained):
                continue
            gate = "passed" if payload.gate_passed else "failed"
            self.trained[(payload.family, gate)] = self.trained.get((payload.family, gate), 0) + 1
            self.last[payload.family] = LastTraining(
                at=event.occurred_at.timestamp(),
                version=payload.version,
                duration_s=payload.duration_s,
                holdout_accuracy=payload.metrics.get("holdout_accuracy"),
            )

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            {
                "trained": [[family, gate, n] for (family, gate), n in self.trained.items()],
                "last": {family: asdict(last) for family, last in self.last.items()},
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes, position: int) -> TrainingSummary:
        """The summary saved by `to_bytes` (an empty one for b"")."""
        summary = cls(position=position)
        if data:
            saved = orjson.loads(data)
            summary.trained = {(family, gate): int(n) for family, gate, n in saved["trained"]}
            summary.last = {family: LastTraining(**last) for family, last in saved["last"].items()}
        return summary


class TrainingCollector(Collector):
    """Yields the rps_trainer_* metrics, folding the ModelTrained events after its checkpoint."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        saved = store.checkpoints.load(CHECKPOINT)
        self.summary = TrainingSummary.from_bytes(saved.state, saved.position)

    def describe(self) -> list[Metric]:
        return []  # samples come from the store at scrape time: nothing to check at registration

    def _read(self, after: int, until: int) -> Iterable[Event]:
        return self.store.iter_events((EventType.MODEL_TRAINED,), after_position=after, until_position=until)

    def collect(self) -> Iterator[Metric]:
        checkpoints = self.store.checkpoints
        self.summary = advance(checkpoints, CHECKPOINT, self.summary, self._read, TrainingSummary.from_bytes)
        trained = CounterMetricFamily(
            "rps_trainer_models_trained",
            "Models trained and registered, by family and offline-gate result (skipped runs not counted)",
            labels=["family", "gate"],
        )
        last_at = GaugeMetricFamily(
            "rps_trainer_last_trained_timestamp_seconds",
            "Unix time of the family's last ModelTrained event",
            labels=["family"],
        )
        duration = GaugeMetricFamily(
            "rps_trainer_last_duration_seconds",
            "Wall time of the family's last training (fit, scoring, MLflow logging and registration)",
            labels=["family"],
        )
        version = GaugeMetricFamily(
            "rps_trainer_last_version",
            "Registry version of the family's last trained model",
            labels=["family"],
        )
        accuracy = GaugeMetricFamily(
            "rps_trainer_last_holdout_accuracy",
            "Holdout accuracy of the family's last trained model (step 1 of the pipeline)",
            labels=["family"],
        )
        for family in FAMILIES:
            name = family.value
            for gate in ("passed", "failed"):
                count = self.summary.trained.get((name, gate))
                if count is not None:
                    trained.add_metric([name, gate], float(count))
            last = self.summary.last.get(name)
            if last is None:
                continue
            last_at.add_metric([name], last.at)
            version.add_metric([name], float(last.version))
            if last.duration_s is not None:
                duration.add_metric([name], last.duration_s)
            if last.holdout_accuracy is not None:
                accuracy.add_metric([name], last.holdout_accuracy)
        yield from (trained, last_at, duration, version, accuracy)


METRIC_NAMES: tuple[str, ...] = (
    "rps_trainer_models_trained_total",
    "rps_trainer_last_trained_timestamp_seconds",
    "rps_trainer_last_duration_seconds",
    "rps_trainer_last_version",
    "rps_trainer_last_holdout_accuracy",
)
