"""LightGBM family: multiclass trees, saved in LightGBM's text format."""

from __future__ import annotations

from pathlib import Path
from typing import Self

import lightgbm as lgb
import numpy as np

from shared.features import Family
from shared.models.base import N_CLASSES, XY, FamilyModel, Float32Array, FloatArray, LearningCurve
from shared.models.config import FamilyParams, LightGBMParams
from shared.models.meta import ArtifactFormat

MODEL_FILE = "model.txt"


class LightGBMModel(FamilyModel):
    family = Family.LIGHTGBM
    format = ArtifactFormat.LIGHTGBM_TEXT

    def __init__(
        self, booster: lgb.Booster, params: FamilyParams, curve: LearningCurve | None = None
    ) -> None:
        super().__init__(params, curve)
        self.booster = booster

    @classmethod
    def fit(cls, train: XY, val: XY, params: FamilyParams) -> Self:
        assert isinstance(params, LightGBMParams)
        booster_params = {
            "objective": "multiclass",
            "num_class": N_CLASSES,
            "metric": "multi_logloss",
            "num_leaves": params.num_leaves,
            "learning_rate": params.learning_rate,
            "min_data_in_leaf": params.min_data_in_leaf,
            "feature_fraction": params.feature_fraction,
            "bagging_fraction": params.bagging_fraction,
            "bagging_freq": 1,
            "lambda_l2": params.lambda_l2,
            "num_threads": params.threads,
            "seed": params.seed,
            "deterministic": True,
            "verbosity": -1,
        }
        dtrain = lgb.Dataset(train.x, label=train.y, free_raw_data=True)
        dval = lgb.Dataset(val.x, label=val.y, reference=dtrain)
        evals: dict[str, dict[str, list[float]]] = {}
        booster = lgb.train(
            booster_params,
            dtrain,
            num_boost_round=params.max_rounds,
            valid_sets=[dtrain, dval],
            valid_names=["train", "val"],
            callbacks=[
                lgb.early_stopping(params.early_stopping_rounds, verbose=False),
                lgb.record_evaluation(evals),
            ],
        )
        best = max(int(booster.best_iteration), 1)
        # Round-trip through text so the fitted object is exactly what a load gives back.
        booster = lgb.Booster(model_str=booster.model_to_string(num_iteration=best))
        curve = LearningCurve(
            train_logloss=[float(v) for v in evals["train"]["multi_logloss"]],
            val_logloss=[float(v) for v in evals["val"]["multi_logloss"]],
            best_iteration=best - 1,
            unit="boosting round",
        )
        return cls(booster, params, curve)

    def predict_proba(self, x: Float32Array) -> FloatArray:
        proba = self.booster.predict(x, num_threads=1)
        return np.asarray(proba, dtype=np.float64).reshape(-1, N_CLASSES)

    def _save_native(self, directory: Path) -> None:
        self.booster.save_model(str(directory / MODEL_FILE))

    @classmethod
    def _load_native(cls, directory: Path, params: FamilyParams) -> Self:
        return cls(lgb.Booster(model_file=str(directory / MODEL_FILE)), params)
