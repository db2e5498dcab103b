"""Hyperparameters of every family, in one place.

Each family gets its own frozen dataclass: nothing is read from the environment and
nothing set for one family can reach another. Overrides go through `params_for`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.features import Family

# Training shares 2 cores with the API processes. Measured on this machine under load: two
# threads made XGBoost/LightGBM/torch fits 3-20x SLOWER than one (spin-waiting on busy cores).
TRAIN_THREADS = 1


@dataclass(frozen=True, slots=True)
class FeedforwardParams:
    # (128, 64): in-process on the bench_bots mix, against the counter player 92% -> 94% (300 and 400
    # games), validation log loss 0.847 -> 0.843, the other player types unchanged.
    hidden: tuple[int, ...] = (128, 64)
    dropout: float = 0.1
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    batch_size: int = 512
    max_epochs: int = 40
    patience: int = 5  # epochs without a better validation log loss
    threads: int = TRAIN_THREADS
    seed: int = 0


@dataclass(frozen=True, slots=True)
class XGBoostParams:
    # Depth 8: the adaptive players' moves hang on interactions of several lags (bench_bots, counter
    # player: depth 4 stopped at the 400-round cap with validation log loss ~0.90 and won ~75% of
    # games; depth 8 stops near round 120 at ~0.86 and wins ~90%, other player types unchanged).
    max_rounds: int = 800
    max_depth: int = 8
    learning_rate: float = 0.1
    subsample: float = 0.9
    colsample_bytree: float = 0.9
    min_child_weight: float = 1.0
    reg_lambda: float = 1.0
    early_stopping_rounds: int = 25
    threads: int = TRAIN_THREADS
    seed: int = 0
    expert_features: bool = True  # also split on shared.features.experts' columns (xgb.py docstring)


@dataclass(frozen=True, slots=True)
class LightGBMParams:
    # 63 leaves / 20 rows per leaf: a slightly lower validation log loss on the bench_bots mix
    # (0.855 -> 0.849 on 2000 games) and more room before the round cap.
    max_rounds: int = 800
    num_leaves: int = 63
    learning_rate: float = 0.05
    min_data_in_leaf: int = 20
    feature_fraction: float = 0.9
    bagging_fraction: float = 0.9
    lambda_l2: float = 1.0
    early_stopping_rounds: int = 25
    threads: int = TRAIN_THREADS
    seed: int = 0


@dataclass(frozen=True, slots=True)
class MNLogitParams:
    # Early stopping along the regularization path: C (inverse L2 strength, on standardized
    # features) grows step by step while the validation log loss improves.
    c_path: tuple[float, ...] = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
    patience: int = 2  # path steps without a better validation log loss
    max_iter: int = 300  # lbfgs iterations per step (warm-started from the previous one)
    threads: int = TRAIN_THREADS  # BLAS threads of the matrix products
    seed: int = 0
    # The expert columns of shared.features.experts beside the 50 features. In-process on the
    # bench_bots mix they lift the win rate against copy from ~80% to 100% and against counter from
    # ~74% to ~91%, the other player types unchanged.
    expert_features: bool = True


FamilyParams = FeedforwardParams | XGBoostParams | LightGBMParams | MNLogitParams

DEFAULT_PARAMS: Mapping[Family, FamilyParams] = {
    Family.FEEDFORWARD: FeedforwardParams(),
    Family.XGBOOST: XGBoostParams(),
    Family.MNLOGIT: MNLogitParams(),
    Family.LIGHTGBM: LightGBMParams(),
}


def params_for(family: Family, overrides: Mapping[str, Any] | None = None) -> FamilyParams:
    """The family's defaults with `overrides` applied; an unknown name is a ValueError."""
    defaults = DEFAULT_PARAMS[family]
    if not overrides:
        return defaults
    known = {f.name for f in dataclasses.fields(defaults)}
    unknown = set(overrides) - known
    if unknown:
        names, allowed = ", ".join(sorted(unknown)), ", ".join(sorted(known))
        raise ValueError(f"unknown parameter(s) for {family.value}: {names}; known: {allowed}")
    values = dict(overrides)
    for name in ("hidden", "c_path"):
        if name in values:
            kind = int if name == "hidden" else float
            values[name] = tuple(kind(v) for v in values[name])
    return dataclasses.replace(defaults, **values)


def params_to_dict(params: FamilyParams) -> dict[str, Any]:
    """JSON-ready form (tuples become lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(params).items()}


def params_from_dict(family: Family, values: Mapping[str, Any]) -> FamilyParams:
    """Inverse of params_to_dict, ignoring names the current dataclass no longer has."""
    known = {f.name for f in dataclasses.fields(DEFAULT_PARAMS[family])}
    return params_for(family, {k: v for k, v in values.items() if k in known})
