"""The three-step pipeline of one family: holdout metrics, the candidate, cross-validation. No I/O."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from services.trainer import defaults
from services.trainer.evaluation import Scores, score
from services.trainer.splits import BoolArray, HoldoutSplit, chronological_split, group_kfold, group_split
from shared.features import Dataset, Family
from shared.models import XY, FamilyModel, FamilyParams, fit_family

FITS_PER_FAMILY = 2 + defaults.CV_FOLDS  # holdout model, candidate, one per fold

Progress = Callable[[str], None]


@dataclass(slots=True)
class FamilyResult:
    family: Family
    params: FamilyParams
    candidate: FamilyModel  # step 2: what gets registered
    holdout_model: FamilyModel  # step 1: trained on the oldest 60%, scored on the newest 20%
    split: HoldoutSplit
    holdout: Scores
    holdout_proba: np.ndarray
    candidate_val: Scores
    cv: list[Scores]
    seconds: dict[str, float] = field(default_factory=dict)

    def cv_summary(self) -> dict[str, float]:
        summary: dict[str, float] = {}
        for name in ("accuracy", "log_loss", "round_win_rate", "game_win_rate"):
            values = np.array([getattr(s, name) for s in self.cv])
            summary[f"cv_{name}_mean"] = float(values.mean())
            summary[f"cv_{name}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        return summary

    def metrics(self) -> dict[str, float]:
        return {
            **self.holdout.as_metrics("holdout"),
            **self.candidate_val.as_metrics("candidate_val"),
            **self.cv_summary(),
            "candidate_best_iteration": float(self.candidate.curve.best_iteration),
        }


def _xy(data: Dataset, mask: BoolArray) -> XY:
    return XY.of(data.features[mask], data.labels[mask])


def _scores(model: FamilyModel, data: Dataset, mask: BoolArray, family: Family) -> tuple[Scores, np.ndarray]:
    proba = model.predict_proba(_xy(data, mask).x)
    return score(proba, data.features[mask], data.labels[mask], data.game_index[mask], family), proba


def train_family(
    family: Family,
    data: Dataset,
    params: FamilyParams,
    seed: int = defaults.SPLIT_SEED,
    progress: Progress | None = None,
) -> FamilyResult:
    """Steps 1–3 of the issue on one family's data; every split is by game."""
    tick = progress or (lambda _step: None)
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    split = chronological_split(data.game_index, defaults.HOLDOUT_FRACTIONS)
    holdout_model = fit_family(family, _xy(data, split.train), _xy(data, split.val), params)
    holdout, holdout_proba = _scores(holdout_model, data, split.holdout, family)
    seconds["holdout"] = time.perf_counter() - started
    tick(f"{family.value}: holdout")

    started = time.perf_counter()
    train_mask, val_mask = group_split(data.game_index, defaults.CANDIDATE_VAL_FRACTION, seed)
    candidate = fit_family(family, _xy(data, train_mask), _xy(data, val_mask), params)
    candidate_val, _ = _scores(candidate, data, val_mask, family)
    seconds["candidate"] = time.perf_counter() - started
    tick(f"{family.value}: candidate")

    started = time.perf_counter()
    cv: list[Scores] = []
    train_rows = np.flatnonzero(split.train)
    for fold, (fit_part, test_part) in enumerate(
        group_kfold(data.game_index[split.train], defaults.CV_FOLDS, seed)
    ):
        fit_rows, test_rows = train_rows[fit_part], train_rows[test_part]
        inner_fit, inner_stop = group_split(
            data.game_index[fit_rows], defaults.CV_EARLY_STOP_FRACTION, seed + fold
        )
        fit_mask, stop_mask, test_mask = (np.zeros(len(data.labels), dtype=bool) for _ in range(3))
        fit_mask[fit_rows[inner_fit]] = True
        stop_mask[fit_rows[inner_stop]] = True
        test_mask[test_rows] = True
        model = fit_family(family, _xy(data, fit_mask), _xy(data, stop_mask), params)
        cv.append(_scores(model, data, test_mask, family)[0])
        tick(f"{family.value}: cv fold {fold + 1}")
    seconds["cv"] = time.perf_counter() - started

    return FamilyResult(
        family=family,
        params=params,
        candidate=candidate,
        holdout_model=holdout_model,
        split=split,
        holdout=holdout,
        holdout_proba=holdout_proba,
        candidate_val=candidate_val,
        cv=cv,
        seconds=seconds,
    )
