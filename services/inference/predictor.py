"""Prediction on one feature row: one alias, or several aliases of a family in one call."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar, cast

import numpy as np
import numpy.typing as npt
from prometheus_client.metrics import MetricWrapperBase

from services.inference.metrics import InferenceMetrics
from services.inference.slots import ModelSet, Source
from shared.features import ALIASES, MOVES, Alias, Family

UNIFORM = dict.fromkeys((m.value for m in MOVES), 1 / 3)
_MOVE_NAMES = tuple(m.value for m in MOVES)
_M = TypeVar("_M", bound=MetricWrapperBase)


@dataclass(frozen=True, slots=True)
class Prediction:
    probabilities: dict[str, float]
    model_version: int | None
    source: Source


def probabilities(row: npt.NDArray[np.float64]) -> dict[str, float]:
    rock, paper, scissors = row.tolist()
    return {_MOVE_NAMES[0]: rock, _MOVE_NAMES[1]: paper, _MOVE_NAMES[2]: scissors}


class Predictor:
    """Answers from whatever ModelSet it is handed; the caller reads the current set once per request."""

    def __init__(self, metrics: InferenceMetrics) -> None:
        self.metrics = metrics
        # labels() takes a lock and looks the child up on every call (~1.5 µs each, a few per alias);
        # the label sets are few (family × alias × source), so each child is looked up once and kept.
        self._children: dict[tuple[MetricWrapperBase, tuple[str, ...]], MetricWrapperBase] = {}

    def _child(self, metric: _M, *labels: str) -> _M:
        key = (metric, labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return cast(_M, child)

    def predict(
        self, models: ModelSet, family: Family, alias: Alias, x: npt.NDArray[np.float32]
    ) -> Prediction:
        """One alias; with no model, uniform probabilities and source `fallback`."""
        slot = models.slot(family, alias)
        m, f, a = self.metrics, family.value, alias.value
        if slot.model is None:
            self._child(m.fallbacks, f, a).inc()
            self._child(m.predictions, f, a, Source.FALLBACK.value).inc()
            return Prediction(dict(UNIFORM), None, Source.FALLBACK)
        started = time.perf_counter()
        proba = slot.model.predict_proba(x)[0]
        self._child(m.prediction_seconds, f, a).observe(time.perf_counter() - started)
        self._child(m.predictions, f, a, slot.source.value).inc()
        return Prediction(probabilities(proba), slot.version, slot.source)

    def predict_batch(
        self,
        models: ModelSet,
        family: Family,
        x: npt.NDArray[np.float32],
        aliases: Iterable[Alias] | None = None,
    ) -> dict[Alias, Prediction]:
        """Several aliases of a family; each distinct model predicts once; aliases without one are absent."""
        m, wanted = self.metrics, set(ALIASES if aliases is None else aliases)
        answers: dict[Alias, Prediction] = {}
        for group in models.groups(family):
            targets = [a for a in group.aliases if a in wanted]
            if not targets:
                continue
            started = time.perf_counter()
            proba = group.model.predict_proba(x)[0]
            elapsed = time.perf_counter() - started
            # One answer shared by the group's aliases: they are served by the very same model.
            answer = Prediction(probabilities(proba), group.version, group.source)
            for alias in targets:
                self._child(m.prediction_seconds, family.value, alias.value).observe(elapsed)
                self._child(m.predictions, family.value, alias.value, group.source.value).inc()
                answers[alias] = answer
        for alias in wanted - answers.keys():
            self._child(m.fallbacks, family.value, alias.value).inc()
        return {alias: answers[alias] for alias in ALIASES if alias in answers}
