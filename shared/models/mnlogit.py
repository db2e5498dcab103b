"""Multinomial logistic regression: fitted with sklearn's lbfgs, served from an npz.

Served as softmax(x W + b), plus, when fitted with `expert_features`, e(x) W_expert: e is a
fixed expansion of the move lags (columns 0-17) and step_no into "expert" columns, so one linear
map can tell which rule a player follows (a linear map of the raw one-hots cannot):

- seven hypotheses about the player's next move from the last round (repeat, beat or lose to
  its own last move; copy, beat or lose to the bot's last move; win-stay lose-shift), each as
  the predicted one-hot times whether the hypothesis was right one round ago, two rounds ago,
  and both;
- the counter player's memory: when the bot's last move also came one (two) rounds before,
  the player's move then showed what it expected after that move; the transition seen since
  is the other candidate. Columns: both candidates, when they differ, whether the new one wins
  the tie-break, and the same scaled by 1 / step_no (one new count matters more early).

The expansion depends only on the six move lags (4 states each) and step_no, so it is
precomputed as tables over the 4^6 lag codes; inference stays a table lookup and a dot product.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

import numpy as np

from shared.features import FEATURE_COUNT, Family
from shared.models.base import (
    N_CLASSES,
    XY,
    FamilyModel,
    Float32Array,
    FloatArray,
    IntArray,
    LearningCurve,
    log_loss,
)
from shared.models.config import FamilyParams, MNLogitParams
from shared.models.meta import ArtifactFormat

MODEL_FILE = "model.npz"
ABSENT_CLASS_BIAS = -30.0  # a move never seen in training gets (almost) no probability
MOVE_LAGS = 6  # user -1..-3, bot -1..-3: the one-hot blocks in columns 0-17
STEP_NO = 48
LAG_CODES = 4**MOVE_LAGS  # each lag is rock, paper, scissors or absent


def _one_hot(idx: IntArray) -> FloatArray:
    """[n, 3] one-hot of move indices; -1 (absent) gives a zero row."""
    out = np.zeros((idx.shape[0], N_CLASSES))
    present = np.flatnonzero(idx >= 0)
    out[present, idx[present]] = 1.0
    return out


def _shift(move: IntArray, by: int) -> IntArray:
    """The move `by` steps on (1: the move that beats it), absent stays absent."""
    return np.where(move >= 0, (move + by) % 3, -1)


def _hypotheses(user: IntArray, bot: IntArray) -> list[IntArray]:
    """Predicted next player move of each hypothesis, from one round's moves."""
    won = (user >= 0) & ((user - bot) % 3 == 1)
    wsls = np.where(user >= 0, np.where(won, user, _shift(bot, 1)), -1)
    return [
        _shift(user, 0),
        _shift(user, 1),
        _shift(user, 2),
        _shift(bot, 0),
        _shift(bot, 1),
        _shift(bot, 2),
        wsls,
    ]


def _lag_tables() -> tuple[FloatArray, FloatArray]:
    """Expert columns of every lag code: the fixed part [4^6, k1] and the part times 1/step_no [4^6, k2]."""
    code = np.arange(LAG_CODES)
    digits = [(code // 4 ** (MOVE_LAGS - 1 - i)) % 4 for i in range(MOVE_LAGS)]
    u1, u2, u3, b1, b2, b3 = (np.where(d == 3, -1, d).astype(np.int64) for d in digits)
    fixed: list[FloatArray] = []
    for now, before, earlier in zip(
        _hypotheses(u1, b1), _hypotheses(u2, b2), _hypotheses(u3, b3), strict=True
    ):
        predicted = _one_hot(now)
        right1 = ((before == u1) & (u1 >= 0)).astype(np.float64)[:, None]
        right2 = ((earlier == u2) & (u2 >= 0)).astype(np.float64)[:, None]
        fixed += [right1 * predicted, right2 * predicted, right1 * right2 * predicted]
    scaled: list[FloatArray] = []
    repeated12 = (b1 == b2) & (b1 >= 0)
    repeated13 = (b1 == b3) & (b1 >= 0) & ~repeated12
    for repeated, old, seen in ((repeated12, u1, b1), (repeated13, u2, b2)):
        new = _shift(seen, 1)  # beats the successor seen since
        agree = (repeated & (old == new)).astype(np.float64)[:, None]
        differ = repeated & (old != new)
        tie = (differ & (seen < _shift(old, 2))).astype(np.float64)[:, None]  # ties go to the earlier move
        differ_f = differ.astype(np.float64)[:, None]
        fixed += [agree * _one_hot(old), differ_f * _one_hot(old), differ_f * _one_hot(new)]
        fixed += [tie * _one_hot(old), tie * _one_hot(new)]
        scaled += [differ_f * _one_hot(old), differ_f * _one_hot(new)]
    return np.hstack(fixed), np.hstack(scaled)


FIXED_TABLE, SCALED_TABLE = _lag_tables()
EXPERT_COUNT = FIXED_TABLE.shape[1] + SCALED_TABLE.shape[1]
_CODE_WEIGHTS = 4 ** np.arange(MOVE_LAGS - 1, -1, -1)


def lag_codes(x: FloatArray) -> IntArray:
    """Each row's six move lags as one code in [0, 4^6)."""
    blocks = x[:, : 3 * MOVE_LAGS].reshape(-1, MOVE_LAGS, 3)
    moves = np.where(blocks.sum(axis=2) > 0.5, blocks.argmax(axis=2), 3)
    return np.asarray(moves @ _CODE_WEIGHTS, dtype=np.int64)


def _inverse_step(x: FloatArray) -> FloatArray:
    return 1.0 / np.maximum(x[:, STEP_NO], 1.0)


def expert_features(x: FloatArray) -> FloatArray:
    """[n, EXPERT_COUNT] expert columns of feature rows [n, 50] (see the module docstring)."""
    codes = lag_codes(x)
    return np.hstack([FIXED_TABLE[codes], SCALED_TABLE[codes] * _inverse_step(x)[:, None]])


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
            logits += self._fixed_logits[codes] + self._scaled_logits[codes] * _inverse_step(rows)[:, None]
        return softmax(logits)

    def _save_native(self, directory: Path) -> None:
        path = directory / MODEL_FILE
        if self.expert_weights is None:
            np.savez(path, W=self.weights, b=self.bias)
        else:
            np.savez(path, W=self.weights, b=self.bias, W_expert=self.expert_weights)

    @classmethod
    def _load_native(cls, directory: Path, params: FamilyParams) -> Self:
        with np.load(directory / MODEL_FILE) as data:
            experts = np.asarray(data["W_expert"], dtype=np.float64) if "W_expert" in data else None
            return cls(
                np.asarray(data["W"], dtype=np.float64),
                np.asarray(data["b"], dtype=np.float64),
                params,
                expert_weights=experts,
            )
