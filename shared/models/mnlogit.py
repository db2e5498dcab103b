"""Multinomial logistic regression: fitted with sklearn's lbfgs, served from an npz.

Served as softmax(x W + e(x) W_expert + b), e being the expert columns of shared.features.experts
(a fixed expansion of the move lags; `expert_features=False` fits plain softmax(x W + b)). The
expert weights are folded into the lag-code tables at load: a prediction is a dot product and a
table lookup.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

import numpy as np

from shared.features import FEATURE_COUNT, Family
from shared.features.experts import (
    EXPERT_COUNT,
    EXPERTS_HASH,
    FIXED_TABLE,
    SCALED_TABLE,
    expert_features,
    inverse_step,
    lag_codes,
)
from shared.models.base import (
    N_CLASSES,
    XY,
    FamilyModel,
    Float32Array,
    FloatArray,
    LearningCurve,
    log_loss,
)
from shared.models.config import FamilyParams, MNLogitParams
from shared.models.errors import ContractMismatchError
from shared.models.meta import ArtifactFormat

MODEL_FILE = "model.npz"
ABSENT_CLASS_BIAS = -30.0  # a move never seen in training gets (almost) no probability


def softmax(logits: FloatArray) -> FloatArray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    np.exp(shifted, out=shifted)
    shifted /= shifted.sum(axis=1, keepdims=True)
    return np.asarray(shifted, dtype=np.float64)


class MNLogitModel(FamilyModel):
    family = Family.MNLOGIT
    format = ArtifactFormat.NUMPY_NPZ

    def __init__(
        self,
        weights: FloatArray,
        bias: FloatArray,
        params: FamilyParams,
        curve: LearningCurve | None = None,
        expert_weights: FloatArray | None = None,
    ) -> None:
        super().__init__(params, curve)
        if weights.shape != (FEATURE_COUNT, N_CLASSES) or bias.shape != (N_CLASSES,):
            raise ValueError(f"W must be [{FEATURE_COUNT}, 3] and b [3], got {weights.shape}, {bias.shape}")
        if expert_weights is not None and expert_weights.shape != (EXPERT_COUNT, N_CLASSES):
            raise ValueError(f"W_expert must be [{EXPERT_COUNT}, 3], got {expert_weights.shape}")
        self.weights = weights
        self.bias = bias
        self.expert_weights = expert_weights
        if expert_weights is not None:  # fold the weights into the tables: one row lookup per prediction
            fixed = FIXED_TABLE.shape[1]
            self._fixed_logits = FIXED_TABLE @ expert_weights[:fixed]
            self._scaled_logits = SCALED_TABLE @ expert_weights[fixed:]

    @classmethod
    def fit(cls, train: XY, val: XY, params: FamilyParams) -> Self:
        assert isinstance(params, MNLogitParams)
        # Only training needs these; loading an npz must stay free of sklearn.
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=params.threads):
            return cls._fit(train, val, params)

    @classmethod
    def _fit(cls, train: XY, val: XY, params: MNLogitParams) -> Self:
        import warnings

        from sklearn.exceptions import ConvergenceWarning  # type: ignore[import-untyped]
        from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

        x = cls._design(train.x.astype(np.float64), params)
        mean = x.mean(axis=0)
        scale = x.std(axis=0)
        scale[scale < 1e-9] = 1.0  # constant columns (easy_mode) carry no signal
        z = (x - mean) / scale
        zval = (cls._design(val.x.astype(np.float64), params) - mean) / scale

        model = LogisticRegression(max_iter=params.max_iter, warm_start=True, random_state=params.seed)
        curve = LearningCurve(unit="step of the C path")
        best: tuple[float, FloatArray, FloatArray] | None = None
        for step, c in enumerate(params.c_path):
            model.set_params(C=c)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)  # warm-started: the next step continues
                model.fit(z, train.y)
            w, b = cls._full_coefficients(model.coef_, model.intercept_, model.classes_)
            curve.train_logloss.append(log_loss(train.y, softmax(z @ w + b)))
            val_loss = log_loss(val.y, softmax(zval @ w + b))
            curve.val_logloss.append(val_loss)
            if best is None or val_loss < best[0] - 1e-7:
                best, curve.best_iteration = (val_loss, w, b), step
            elif step - curve.best_iteration >= params.patience:
                break
        assert best is not None
        _, w, b = best
        # Fold the standardization in: softmax(((x - mean) / scale) W + b) == softmax(x W' + b').
        weights = w / scale[:, None]
        bias = b - mean @ weights
        experts = weights[FEATURE_COUNT:] if params.expert_features else None
        return cls(weights[:FEATURE_COUNT], bias, params, curve, experts)

    @staticmethod
    def _design(x: FloatArray, params: MNLogitParams) -> FloatArray:
        return np.hstack([x, expert_features(x)]) if params.expert_features else x

    @staticmethod
    def _full_coefficients(
        coef: FloatArray, intercept: FloatArray, classes: np.ndarray
    ) -> tuple[FloatArray, FloatArray]:
        """[columns, 3] weights and [3] bias even when a move is absent from the training labels."""
        w = np.zeros((coef.shape[1], N_CLASSES))
        b = np.full(N_CLASSES, ABSENT_CLASS_BIAS)
        if len(classes) == 1:
            b[int(classes[0])] = 0.0
            return w, b
        if len(classes) == 2:  # sklearn fits one binary column: class 1 vs class 0
            w[:, int(classes[1])] = coef[0]
            b[int(classes[0])], b[int(classes[1])] = 0.0, float(intercept[0])
            return w, b
        for row, label in enumerate(classes):
            w[:, int(label)] = coef[row]
            b[int(label)] = intercept[row]
        return w, b

    def predict_proba(self, x: Float32Array) -> FloatArray:
        rows = x.astype(np.float64)
        logits = rows @ self.weights + self.bias
        if self.expert_weights is not None:
            codes = lag_codes(rows)
            logits += self._fixed_logits[codes] + self._scaled_logits[codes] * inverse_step(rows)[:, None]
        return softmax(logits)

    def _save_native(self, directory: Path) -> None:
        path = directory / MODEL_FILE
        if self.expert_weights is None:
            np.savez(path, W=self.weights, b=self.bias)
        else:
            np.savez(
                path,
                W=self.weights,
                b=self.bias,
                W_expert=self.expert_weights,
                experts_hash=np.array(EXPERTS_HASH),
            )

    @classmethod
    def _load_native(cls, directory: Path, params: FamilyParams) -> Self:
        with np.load(directory / MODEL_FILE) as data:
            experts = None
            if "W_expert" in data:
                stored = str(data["experts_hash"]) if "experts_hash" in data else "none"
                if stored != EXPERTS_HASH:  # weights of other columns would be silently wrong
                    raise ContractMismatchError(
                        f"{directory}: expert weights for columns {stored}, this code computes {EXPERTS_HASH}"
                    )
                experts = np.asarray(data["W_expert"], dtype=np.float64)
            return cls(
                np.asarray(data["W"], dtype=np.float64),
                np.asarray(data["b"], dtype=np.float64),
                params,
                expert_weights=experts,
            )
