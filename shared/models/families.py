"""Which module implements each family. A fifth family: one module, one line here, its params in config.

Imports are lazy so that loading an XGBoost model never pays for importing torch.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from shared.features import Family
from shared.models.base import XY, FamilyModel
from shared.models.config import FamilyParams, params_for

IMPLEMENTATIONS: Mapping[Family, str] = {
    Family.FEEDFORWARD: "shared.models.feedforward:FeedforwardModel",
    Family.XGBOOST: "shared.models.xgb:XGBoostModel",
    Family.MNLOGIT: "shared.models.mnlogit:MNLogitModel",
    Family.LIGHTGBM: "shared.models.lgbm:LightGBMModel",
}


def model_class(family: Family) -> type[FamilyModel]:
    """The FamilyModel subclass of a family (imports its library on first use)."""
    module_name, _, class_name = IMPLEMENTATIONS[Family(family)].partition(":")
    cls: type[FamilyModel] = getattr(importlib.import_module(module_name), class_name)
    assert issubclass(cls, FamilyModel) and cls.family == family
    return cls


def fit_family(family: Family, train: XY, val: XY, params: FamilyParams | None = None) -> FamilyModel:
    """Fit one family with its configured (or given) hyperparameters."""
    return model_class(family).fit(train, val, params if params is not None else params_for(family))
