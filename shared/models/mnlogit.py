"""Multinomial logistic regression, fitted in numpy and served as softmax(x W + b) from an npz."""

from __future__ import annotations

from pathlib import Path
from typing import Self

import numpy as np

from shared.features import FEATURE_COUNT, Family
from shared.models.base import N_CLASSES, XY, FamilyModel, Float32Array, FloatArray, LearningCurve, log_loss
from shared.models.config import FamilyParams, MNLogitParams
from shared.models.meta import ArtifactFormat

MODEL_FILE = "model.npz"


def softmax(logits: FloatArray) -> FloatArray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    np.exp(shifted, out=shifted)
    shifted /= shifted.sum(axis=1, keepdims=True)
    return shifted


class MNLogitModel(FamilyModel):
    family = Family.MNLOGIT
    format = ArtifactFormat.NUMPY_NPZ

    def __init__(
        self, weights: FloatArray, bias: FloatArray, params: FamilyParams, curve: LearningCurve | None = None
    ) -> None:
        super().__init__(params, curve)
        if weights.shape != (FEATURE_COUNT, N_CLASSES) or bias.shape != (N_CLASSES,):
            raise ValueError(f"W must be [{FEATURE_COUNT}, 3] and b [3], got {weights.shape}, {bias.shape}")
        self.weights = weights
        self.bias = bias

    @classmethod
    def fit(cls, train: XY, val: XY, params: FamilyParams) -> Self:
        """Full-batch Adam on standardized features with L2; keeps the best validation iterate."""
        assert isinstance(params, MNLogitParams)
        x = train.x.astype(np.float64)
        mean = x.mean(axis=0)
        scale = x.std(axis=0)
        scale[scale < 1e-9] = 1.0  # constant columns (easy_mode) carry no signal
        z = (x - mean) / scale
        zval = (val.x.astype(np.float64) - mean) / scale
        onehot = np.eye(N_CLASSES)[train.y]
        n = len(train)

        rng = np.random.default_rng(params.seed)
        w = rng.normal(0.0, 0.01, size=(FEATURE_COUNT, N_CLASSES))
        b = np.log(np.bincount(train.y, minlength=N_CLASSES) + 1.0)
        b -= b.mean()
        state = [np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)]
        beta1, beta2, eps = 0.9, 0.999, 1e-8
        curve = LearningCurve(unit="iteration")
        best = (np.inf, w.copy(), b.copy(), 0)
        for step in range(1, params.max_iterations + 1):
            proba = softmax(z @ w + b)
            curve.train_logloss.append(log_loss(train.y, proba))
            val_loss = log_loss(val.y, softmax(zval @ w + b))
            curve.val_logloss.append(val_loss)
            if val_loss < best[0] - 1e-7:
                best = (val_loss, w.copy(), b.copy(), step - 1)
            elif step - 1 - best[3] >= params.patience:
                break
            grad_logits = (proba - onehot) / n
            grads = (z.T @ grad_logits + params.l2 * w, grad_logits.sum(axis=0))
            for i, (param, grad) in enumerate(zip((w, b), grads, strict=True)):
                m, v = state[2 * i], state[2 * i + 1]
                m *= beta1
                m += (1 - beta1) * grad
                v *= beta2
                v += (1 - beta2) * grad**2
                m_hat = m / (1 - beta1**step)
                v_hat = v / (1 - beta2**step)
                param -= params.learning_rate * m_hat / (np.sqrt(v_hat) + eps)
        _, w, b, curve.best_iteration = best
        # Fold the standardization into W and b: softmax(((x - mean) / scale) W + b) == softmax(x W' + b').
        weights = w / scale[:, None]
        bias = b - mean @ weights
        return cls(weights, bias, params, curve)

    def predict_proba(self, x: Float32Array) -> FloatArray:
        return softmax(x.astype(np.float64) @ self.weights + self.bias)

    def _save_native(self, directory: Path) -> None:
        np.savez(directory / MODEL_FILE, W=self.weights, b=self.bias)

    @classmethod
    def _load_native(cls, directory: Path, params: FamilyParams) -> Self:
        with np.load(directory / MODEL_FILE) as data:
            return cls(
                np.asarray(data["W"], dtype=np.float64), np.asarray(data["b"], dtype=np.float64), params
            )
