"""XGBoost family: softprob trees, saved as UBJ.

Trained (by default) on the 50 features followed by the expert columns of shared.features.experts:
in-process on the bench mix they lift the win rate against the counter player from ~90% to ~96%
(400 games), other player types unchanged. The booster carries `experts_hash` when it needs them.

Batches go through XGBoost's inplace_predict. A handful of rows (serving: one row per alias) go
through `CompiledTrees`, the same trees walked in numpy: inplace_predict has a fixed cost per call
(~0.25 ms on a quiet core, four aliases ~1 ms) that a depth-8 walk of a few hundred trees does not.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Self

import numpy as np
import orjson
import xgboost as xgb

from shared.features import Family
from shared.features.experts import EXPERTS_HASH, expert_features
from shared.models.base import N_CLASSES, XY, FamilyModel, Float32Array, FloatArray, LearningCurve
from shared.models.config import FamilyParams, XGBoostParams
from shared.models.errors import ContractMismatchError
from shared.models.meta import ArtifactFormat

MODEL_FILE = "model.ubj"
TREES_FILE = "trees.npz"  # CompiledTrees' arrays, so loading does not parse the booster's JSON
EXPERTS_ATTR = "experts_hash"  # a booster attribute (saved in the model file): trained on the expert columns
COMPILED_MAX_ROWS = 8  # up to this many rows the numpy walk beats inplace_predict's fixed cost


class CompiledTrees:
    """An XGBoost softprob booster's trees as flat arrays, walked for all trees at once.

    Every node of every tree is one index; a leaf's children are itself, so `depth` steps of
    `node = child[2 * node + (x[feature[node]] >= threshold[node])]` (XGBoost goes left when
    x < threshold) leave each tree at its leaf, whose value XGBoost keeps in `split_conditions`.
    The per-class margins are the leaf values summed by `tree_info` plus the booster's base
    margins, read from XGBoost itself (its base_score format changed across versions).
    Rows with a missing value (NaN: XGBoost's default directions) are not for this walk.
    """

    ARRAYS = ("child", "feature", "threshold", "roots", "classes", "base_margin")

    def __init__(
        self,
        child: np.ndarray,
        feature: np.ndarray,
        threshold: np.ndarray,
        roots: np.ndarray,
        classes: np.ndarray,
        base_margin: np.ndarray,
        depth: int,
    ) -> None:
        self.child = np.asarray(child, dtype=np.intp)
        self.feature = np.asarray(feature, dtype=np.intp)
        self.threshold = np.asarray(threshold, dtype=np.float32)
        self.roots = np.asarray(roots, dtype=np.intp)
        self.classes = np.asarray(classes, dtype=np.float64)
        self.base_margin = np.asarray(base_margin, dtype=np.float64)
        self.depth = int(depth)

    @classmethod
    def from_booster(cls, booster: xgb.Booster) -> CompiledTrees:
        """Read the trees from the booster's JSON (~0.1 s for a few hundred deep trees here: done at
        fit; a saved artifact keeps the arrays beside the booster, see `save`)."""
        model = orjson.loads(booster.save_raw("json"))["learner"]["gradient_booster"]["model"]
        trees = model["trees"]
        children, features, thresholds, roots, depth = [], [], [], [], 0
        start = 0
        for tree in trees:
            left = np.asarray(tree["left_children"], dtype=np.intp)
            right = np.asarray(tree["right_children"], dtype=np.intp)
            own = np.arange(len(left), dtype=np.intp)
            leaf = left == -1
            children.append(np.stack([np.where(leaf, own, left), np.where(leaf, own, right)], axis=1) + start)
            features.append(np.asarray(tree["split_indices"], dtype=np.intp))
            thresholds.append(np.asarray(tree["split_conditions"], dtype=np.float32))
            roots.append(start)
            depth = max(depth, _depth(left, right))
            start += len(left)
        classes = np.zeros((len(trees), N_CLASSES))
        classes[np.arange(len(trees)), np.asarray(model["tree_info"], dtype=np.intp)] = 1.0
        compiled = cls(
            np.concatenate(children).ravel(),
            np.concatenate(features),
            np.concatenate(thresholds),
            np.asarray(roots, dtype=np.intp),
            classes,
            np.zeros(N_CLASSES),
            depth,
        )
        zero = np.zeros((1, booster.num_features()), dtype=np.float32)
        margin = np.asarray(booster.inplace_predict(zero, predict_type="margin"), dtype=np.float64)
        compiled.base_margin = margin.reshape(N_CLASSES) - compiled._leaf_sums(zero)[0]
        return compiled

    def save(self, path: Path, booster_sha256: str) -> None:
        arrays = {name: getattr(self, name) for name in self.ARRAYS}
        np.savez(path, depth=np.array(self.depth), booster_sha256=np.array(booster_sha256), **arrays)

    @classmethod
    def load(cls, path: Path, booster_sha256: str) -> CompiledTrees | None:
        """The arrays saved beside this very booster file, else None (build them from the booster)."""
        if not path.is_file():
            return None
        with np.load(path) as data:
            if str(data["booster_sha256"]) != booster_sha256:
                return None
            return cls(
                data["child"],
                data["feature"],
                data["threshold"],
                data["roots"],
                data["classes"],
                data["base_margin"],
                int(data["depth"]),
            )

    def _leaf_sums(self, x: Float32Array) -> FloatArray:
        n, width = x.shape
        values = x.ravel()  # flat: 1-d fancy indexing costs a third of 2-d here
        node = np.tile(self.roots, n)
        if n == 1:
            for _ in range(self.depth):
                node = self.child[2 * node + (values[self.feature[node]] >= self.threshold[node])]
        else:
            row_start = np.repeat(np.arange(n, dtype=np.intp) * width, self.roots.size)
            for _ in range(self.depth):
                column = row_start + self.feature[node]
                node = self.child[2 * node + (values[column] >= self.threshold[node])]
        leaves = self.threshold[node].astype(np.float64).reshape(n, self.roots.size)
        return np.asarray(leaves @ self.classes, dtype=np.float64)

    def predict_proba(self, x: Float32Array) -> FloatArray:
        # float32 as XGBoost compares: a float64 value just below a threshold may round onto it.
        margins = self._leaf_sums(np.asarray(x, dtype=np.float32)) + self.base_margin
        margins -= margins.max(axis=1, keepdims=True)
        np.exp(margins, out=margins)
        margins /= margins.sum(axis=1, keepdims=True)
        return np.asarray(margins, dtype=np.float64)


def with_experts(x: Float32Array) -> Float32Array:
    """[n, 50] feature rows followed by their expert columns (shared.features.experts), float32."""
    rows = np.asarray(x, dtype=np.float32)
    return np.hstack([rows, expert_features(rows.astype(np.float64)).astype(np.float32)])


def _depth(left: np.ndarray, right: np.ndarray) -> int:
    depth, level = 0, [0]
    while True:
        level = [c for n in level if left[n] != -1 for c in (int(left[n]), int(right[n]))]
        if not level:
            return depth
        depth += 1


class XGBoostModel(FamilyModel):
    family = Family.XGBOOST
    format = ArtifactFormat.XGBOOST_UBJ

    def __init__(
        self,
        booster: xgb.Booster,
        params: FamilyParams,
        curve: LearningCurve | None = None,
        compiled: CompiledTrees | None = None,
    ) -> None:
        super().__init__(params, curve)
        experts = booster.attr(EXPERTS_ATTR)
        if experts is not None and experts != EXPERTS_HASH:  # its columns would mean other things
            raise ContractMismatchError(
                f"booster trained on expert columns {experts}, this code computes {EXPERTS_HASH}"
            )
        self.booster = booster
        self.experts = experts is not None
        self.compiled = compiled or CompiledTrees.from_booster(booster)

    def design(self, x: Float32Array) -> Float32Array:
        """The rows the trees split: the 50 features, then the expert columns if trained on them."""
        return with_experts(x) if self.experts else x

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
        design = with_experts if params.expert_features else np.asarray
        dtrain = xgb.DMatrix(design(train.x), label=train.y, nthread=params.threads)
        dval = xgb.DMatrix(design(val.x), label=val.y, nthread=params.threads)
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
        if params.expert_features:
            booster.set_attr(**{EXPERTS_ATTR: EXPERTS_HASH})
        curve = LearningCurve(
            train_logloss=[float(v) for v in evals["train"]["mlogloss"]],
            val_logloss=[float(v) for v in evals["val"]["mlogloss"]],
            best_iteration=best,
            unit="boosting round",
        )
        return cls(booster, params, curve)

    def predict_proba(self, x: Float32Array) -> FloatArray:
        x = self.design(x)
        if x.shape[0] <= COMPILED_MAX_ROWS and not np.isnan(x).any():
            return self.compiled.predict_proba(x)
        proba = self.booster.inplace_predict(x)
        return np.asarray(proba, dtype=np.float64).reshape(-1, N_CLASSES)

    def _save_native(self, directory: Path) -> None:
        self.booster.save_model(str(directory / MODEL_FILE))
        self.compiled.save(directory / TREES_FILE, _sha256(directory / MODEL_FILE))

    @classmethod
    def _load_native(cls, directory: Path, params: FamilyParams) -> Self:
        booster = xgb.Booster()
        booster.load_model(str(directory / MODEL_FILE))
        # Serving is one row at a time: one thread avoids pool start-up on every call.
        booster.set_param({"nthread": 1})
        compiled = CompiledTrees.load(directory / TREES_FILE, _sha256(directory / MODEL_FILE))
        return cls(booster, params, compiled=compiled)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
