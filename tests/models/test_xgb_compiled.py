"""The XGBoost family's numpy tree walk (serving path) answers what XGBoost answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shared.features import Family
from shared.features.experts import EXPERT_COUNT
from shared.models import XY, fit_family, load_artifact, params_for
from shared.models.errors import ContractMismatchError
from shared.models.xgb import COMPILED_MAX_ROWS, TREES_FILE, CompiledTrees, XGBoostModel


@pytest.fixture(scope="module")
def deep_model(train_val: tuple[XY, XY]) -> XGBoostModel:
    train, val = train_val
    params = params_for(Family.XGBOOST, {"max_rounds": 40, "early_stopping_rounds": 40, "max_depth": 8})
    model = fit_family(Family.XGBOOST, train, val, params)
    assert isinstance(model, XGBoostModel)
    return model


def booster_proba(model: XGBoostModel, x: np.ndarray) -> np.ndarray:
    """XGBoost's own answer for feature rows [n, 50]."""
    return np.asarray(model.booster.inplace_predict(model.design(x)), dtype=np.float64).reshape(-1, 3)


def test_the_walk_gives_xgboosts_probabilities_row_by_row_and_in_small_batches(
    deep_model: XGBoostModel, train_val: tuple[XY, XY]
) -> None:
    x = train_val[1].x[:600]
    assert deep_model.compiled.depth >= 6 and deep_model.compiled.roots.size >= 30
    expected = booster_proba(deep_model, x)
    rows = deep_model.design(x)
    one_by_one = np.vstack([deep_model.compiled.predict_proba(rows[i : i + 1]) for i in range(len(x))])
    batches = np.vstack([deep_model.compiled.predict_proba(rows[i : i + 5]) for i in range(0, len(x), 5)])
    np.testing.assert_allclose(one_by_one, expected, atol=1e-6)
    np.testing.assert_allclose(batches, expected, atol=1e-6)
    assert (one_by_one.argmax(axis=1) == expected.argmax(axis=1)).all()


def test_rows_on_a_threshold_go_where_xgboost_sends_them(deep_model: XGBoostModel) -> None:
    """XGBoost goes left when x < threshold: values exactly on a threshold go right."""
    compiled = deep_model.compiled
    split = int(np.flatnonzero(compiled.child[0::2] != np.arange(compiled.threshold.size))[0])
    row = deep_model.design(np.zeros((1, 50), dtype=np.float32))
    row[0, compiled.feature[split]] = compiled.threshold[split]
    expected = np.asarray(deep_model.booster.inplace_predict(row), dtype=np.float64).reshape(-1, 3)
    np.testing.assert_allclose(compiled.predict_proba(row), expected, atol=1e-6)


def test_predict_proba_walks_small_batches_and_leaves_big_ones_and_missing_values_to_xgboost(
    deep_model: XGBoostModel, train_val: tuple[XY, XY]
) -> None:
    x = train_val[1].x[: COMPILED_MAX_ROWS + 1]
    np.testing.assert_array_equal(deep_model.predict_proba(x), booster_proba(deep_model, x))
    np.testing.assert_array_equal(
        deep_model.predict_proba(x[:COMPILED_MAX_ROWS]),
        deep_model.compiled.predict_proba(deep_model.design(x[:COMPILED_MAX_ROWS])),
    )
    missing = x[:1].copy()
    missing[0, 0] = np.nan  # XGBoost's default direction, which the walk does not model
    np.testing.assert_array_equal(deep_model.predict_proba(missing), booster_proba(deep_model, missing))


def test_a_loaded_artifact_walks_the_same_trees(
    deep_model: XGBoostModel, train_val: tuple[XY, XY], tmp_path: Path
) -> None:
    deep_model.save(tmp_path)
    x = train_val[1].x[:50]
    loaded = load_artifact(tmp_path)
    rows = np.vstack([loaded.predict_proba(x[i : i + 1]) for i in range(len(x))])
    np.testing.assert_allclose(rows, booster_proba(deep_model, x), atol=1e-6)


def test_trained_on_the_expert_columns_by_default_and_an_artifact_says_so(
    deep_model: XGBoostModel, tmp_path: Path
) -> None:
    assert deep_model.experts
    assert deep_model.booster.num_features() == 50 + EXPERT_COUNT
    deep_model.save(tmp_path)
    loaded = load_artifact(tmp_path)
    assert isinstance(loaded.model, XGBoostModel) and loaded.model.experts


def test_a_booster_without_the_expert_columns_is_served_on_the_50_features(
    train_val: tuple[XY, XY], tmp_path: Path
) -> None:
    """Artifacts trained before the expert columns (or with them off) keep working."""
    train, val = train_val
    params = params_for(Family.XGBOOST, {"max_rounds": 10, "expert_features": False})
    fit_family(Family.XGBOOST, train, val, params).save(tmp_path)
    loaded = load_artifact(tmp_path)
    assert isinstance(loaded.model, XGBoostModel) and not loaded.model.experts
    assert loaded.model.booster.num_features() == 50
    x = val.x[:20]
    np.testing.assert_allclose(loaded.predict_proba(x), booster_proba(loaded.model, x), atol=1e-6)


def test_a_booster_trained_on_other_expert_columns_is_refused(
    deep_model: XGBoostModel, tmp_path: Path
) -> None:
    booster = deep_model.booster.copy()
    booster.set_attr(experts_hash="0123456789abcdef")
    with pytest.raises(ContractMismatchError, match="expert columns"):
        XGBoostModel(booster, deep_model.params)


def test_an_artifact_keeps_the_walks_arrays_and_loading_reads_them_instead_of_the_json(
    deep_model: XGBoostModel, train_val: tuple[XY, XY], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parsing the booster's JSON took ~0.1 s a model here: the inference cold start's budget."""
    deep_model.save(tmp_path)
    assert (tmp_path / TREES_FILE).is_file()

    def no_json(booster: object) -> CompiledTrees:
        raise AssertionError("loading parsed the booster's JSON")

    monkeypatch.setattr(CompiledTrees, "from_booster", staticmethod(no_json))
    loaded = load_artifact(tmp_path)
    x = train_val[1].x[:20]
    rows = np.vstack([loaded.predict_proba(x[i : i + 1]) for i in range(len(x))])
    np.testing.assert_allclose(rows, booster_proba(deep_model, x), atol=1e-6)


def test_arrays_saved_beside_another_booster_file_are_not_used(
    deep_model: XGBoostModel, train_val: tuple[XY, XY], tmp_path: Path
) -> None:
    train, val = train_val
    deep_model.save(tmp_path)
    other = tmp_path / "other"
    params = params_for(Family.XGBOOST, {"max_rounds": 5, "max_depth": 3})
    fit_family(Family.XGBOOST, train, val, params).save(other)
    (other / TREES_FILE).write_bytes((tmp_path / TREES_FILE).read_bytes())  # stale arrays
    loaded = load_artifact(other)
    assert isinstance(loaded.model, XGBoostModel)
    x = val.x[:20]
    rows = np.vstack([loaded.predict_proba(x[i : i + 1]) for i in range(len(x))])
    np.testing.assert_allclose(rows, booster_proba(loaded.model, x), atol=1e-6)
