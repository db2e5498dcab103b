"""Prediction on one feature row: one alias, or several aliases of a family in one call."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from services.inference.metrics import InferenceMetrics
from services.inference.slots import ModelSet, Source
from shared.features import ALIASES, MOVES, Alias, Family

UNIFORM = dict.fromkeys((m.value for m in MOVES), 1 / 3)
_MOVE_NAMES = tuple(m.value for m in MOVES)


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

    def predict(
        self, models: ModelSet, family: Family, alias: Alias, x: npt.NDArray[np.float32]
    ) -> Prediction:
        """One alias; with no model, uniform probabilities and source `fallback`."""
        slot = models.slot(family, alias)
        if slot.model is None:
            self.metrics.fallbacks.labels(family.value, alias.value).inc()
            self.metrics.predictions.labels(family.value, alias.value, Source.FALLBACK.value).inc()
            return Prediction(dict(UNIFORM), None, Source.FALLBACK)
        started = time.perf_counter()
        proba = slot.model.predict_proba(x)[0]
        self.metrics.prediction_seconds.labels(family.value, alias.value).observe(
            time.perf_counter() - started
        )
        self.metrics.predictions.labels(family.value, alias.value, slot.source.value).inc()
        return Prediction(probabilities(proba), slot.version, slot.source)

    def predict_batch(
        self,
        models: ModelSet,
        family: Family,
        x: npt.NDArray[np.float32],
        aliases: Iterable[Alias] | None = None,
    ) -> dict[Alias, Prediction]:
        """Several aliases of a family; each distinct model predicts once; aliases without one are absent."""
        wanted = set(ALIASES if aliases is None else aliases)
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
                self.metrics.prediction_seconds.labels(family.value, alias.value).observe(elapsed)
                self.metrics.predictions.labels(family.value, alias.value, group.source.value).inc()
                answers[alias] = answer
        for alias in wanted - answers.keys():
            self.metrics.fallbacks.labels(family.value, alias.value).inc()
        return {alias: answers[alias] for alias in ALIASES if alias in answers}
