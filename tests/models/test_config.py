from __future__ import annotations

import dataclasses

import pytest

from shared.features import FAMILIES, Family
from shared.models import DEFAULT_PARAMS, FeedforwardParams, XGBoostParams, params_for, params_to_dict
from shared.models.config import params_from_dict


def test_overrides_apply_to_one_family_and_leave_the_defaults_alone() -> None:
    tuned = params_for(Family.XGBOOST, {"max_depth": 2})
    assert isinstance(tuned, XGBoostParams) and tuned.max_depth == 2
    assert DEFAULT_PARAMS[Family.XGBOOST].max_depth != 2
    assert params_for(Family.LIGHTGBM) is DEFAULT_PARAMS[Family.LIGHTGBM]


def test_a_parameter_of_another_family_is_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown parameter.*num_leaves"):
        params_for(Family.XGBOOST, {"num_leaves": 8})


def test_params_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_PARAMS[Family.MNLOGIT].patience = 9  # type: ignore[misc]


@pytest.mark.parametrize("family", FAMILIES)
def test_params_survive_a_json_round_trip(family: Family) -> None:
    params = DEFAULT_PARAMS[family]
    assert params_from_dict(family, params_to_dict(params)) == params


def test_hidden_layers_come_back_as_a_tuple() -> None:
    params = params_for(Family.FEEDFORWARD, {"hidden": [8, 4]})
    assert isinstance(params, FeedforwardParams) and params.hidden == (8, 4)
