from __future__ import annotations

import pytest

from services.trainer.synthetic import games_for_rounds
from shared.features import Family, build_dataset
from shared.models import XY, FamilyParams, params_for

# Small models so the suite stays fast; the defaults are exercised by bench/bench_train.py.
SMALL: dict[Family, dict[str, object]] = {
    Family.FEEDFORWARD: {
        "hidden": (16,),
        "max_epochs": 4,
        "patience": 2,
        "batch_size": 64,
        "learning_rate": 5e-3,
    },
    Family.XGBOOST: {"max_rounds": 20, "early_stopping_rounds": 5},
    Family.MNLOGIT: {"c_path": (0.01, 0.1, 1.0), "max_iter": 100},
    Family.LIGHTGBM: {"max_rounds": 20, "early_stopping_rounds": 5},
}


def small_params(family: Family) -> FamilyParams:
    return params_for(family, SMALL[family])


@pytest.fixture(scope="session")
def train_val() -> tuple[XY, XY]:
    games = games_for_rounds(3000, seed=7)
    data = build_dataset([g.rounds() for g in games])
    cut = int(len(data.labels) * 0.8)
    return XY.of(data.features[:cut], data.labels[:cut]), XY.of(data.features[cut:], data.labels[cut:])
