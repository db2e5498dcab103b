"""XGBoost family: softprob trees, saved as UBJ and served through inplace_predict."""

from __future__ import annotations

from pathlib import Path
from typing import Self

import numpy as np
import xgboost as xgb

from shared.features import Family
from shared.models.base import N_CLASSES, XY, FamilyModel, Float32Array, FloatArray, LearningCurve
from shared.models.config import FamilyParams, XGBoostParams
from shared.models.meta import ArtifactFormat

MODEL_FILE = "model.ubj"


class XGBoostModel(FamilyModel):
    family = Family.XGBOOST
    format = ArtifactFormat.XGBOOST_UBJ

    def __init__(
        self, booster: xgb.Booster, params: FamilyParams, curve: LearningCurve | None = None
    ) -> None:
        super().__init__(params, curve)
        self.booster = booster

    @classmethod
    def fit(cls, train: XY, val: XY, params: FamilyParams) -> Self:
        assert isinstance(params, XGBoostParams)
        booster_params = {
            "objective": "multi:softprob",
            "num_class": N_CLASSES,
            "eval_metric": "mlogloss",
            "tree_method": "hist",
            "max_depth": params.max_depth,
            "eta": params.learning_rate,
            "subsample": params.subsample,
            "colsample_bytree": params.colsample_bytree,
            "min_child_weight": params.min_child_weight,
            "lambda": params.reg_lambda,
            "nthread": params.threads,
            "seed": params.seed,
        }
        dtrain = xgb.DMatrix(train.x, label=train.y, nthread=params.threads)
        dval = xgb.DMatrix(val.x, label=val.y, nthread=params.threads)
        evals: dict[str, dict[str, list[float]]] = {}
        booster = xgb.train(
            booster_params,
            dtrain,
            num_boost_round=params.max_rounds,
            evals=[(dtrain, "train"), (dval, "val")],
            early_stopping_rounds=params.early_stopping_rounds,
            evals_result=evals,
            verbose_eval=False,
        )
        best = int(booster.best_iteration)
        # Keep only the trees early stopping chose, so the saved file predicts what was validated.
        booster = booster[: best + 1]
        curve = LearningCurve(
            train_logloss=[float(v) for v in evals["train"]["mlogloss"]],
            val_logloss=[float(v) for v in evals["val"]["mlogloss"]],
            best_iteration=best,
            unit="boosting round",
        )
        return cls(booster, params, curve)

    def predict_proba(self, x: Float32Array) -> FloatArray:
        proba = self.booster.inplace_predict(x)
        return np.asarray(proba, dtype=np.float64).reshape(-1, N_CLASSES)

    def _save_native(self, directory: Path) -> None:
        self.booster.save_model(str(directory / MODEL_FILE))

    @classmethod
    def _load_native(cls, directory: Path, params: FamilyParams) -> Self:
        booster = xgb.Booster()
        booster.load_model(str(directory / MODEL_FILE))
        # Serving is one row at a time: one thread avoids pool start-up on every call.
        booster.set_param({"nthread": 1})
        return cls(booster, params)
