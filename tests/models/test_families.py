from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from shared.features import FAMILIES, FEATURE_CONTRACT_HASH, FEATURE_NAMES, Family
from shared.features.experts import expert_features
from shared.models import (
    XY,
    ArtifactFormat,
    ArtifactInvalidError,
    ArtifactNotFoundError,
    ContractMismatchError,
    fit_family,
    load_artifact,
    log_loss,
    model_class,
    read_meta,
    stamp_version,
)
from tests.models.conftest import small_params

EXPECTED_FORMAT = {
    Family.FEEDFORWARD: ArtifactFormat.TORCH_STATE_DICT,
    Family.XGBOOST: ArtifactFormat.XGBOOST_UBJ,
    Family.MNLOGIT: ArtifactFormat.NUMPY_NPZ,
    Family.LIGHTGBM: ArtifactFormat.LIGHTGBM_TEXT,
}


@pytest.mark.parametrize("family", FAMILIES)
def test_fit_save_load_round_trip_gives_identical_probabilities(
    family: Family, train_val: tuple[XY, XY], tmp_path: Path
) -> None:
    train, val = train_val
    model = fit_family(family, train, val, small_params(family))
    before = model.predict_proba(val.x)
    meta = model.save(tmp_path / "artifact", run_id="run-1")
    loaded = load_artifact(tmp_path / "artifact")

    after = loaded.predict_proba(val.x)
    np.testing.assert_array_equal(before, after)
    assert after.shape == (len(val), 3)
    np.testing.assert_allclose(after.sum(axis=1), 1.0, rtol=1e-5)
    assert loaded.meta == meta
    assert loaded.meta.family is family
    assert loaded.meta.format is EXPECTED_FORMAT[family]
    assert loaded.meta.run_id == "run-1" and loaded.meta.version is None


@pytest.mark.parametrize("family", FAMILIES)
def test_fit_learns_the_synthetic_player_and_records_a_learning_curve(
    family: Family, train_val: tuple[XY, XY]
) -> None:
    train, val = train_val
    model = fit_family(family, train, val, small_params(family))
    proba = model.predict_proba(val.x)
    assert log_loss(val.y, proba) < np.log(3) - 0.05  # clearly better than uniform
    assert float((proba.argmax(axis=1) == val.y).mean()) > 0.45
    curve = model.curve
    assert len(curve.train_logloss) == len(curve.val_logloss) >= 1
    assert 0 <= curve.best_iteration < len(curve.val_logloss)
    assert curve.val_logloss[curve.best_iteration] == min(curve.val_logloss)


def test_early_stopping_stops_before_the_maximum(train_val: tuple[XY, XY]) -> None:
    train, val = train_val
    params = small_params(Family.XGBOOST).__class__(
        max_rounds=2000, early_stopping_rounds=3, learning_rate=0.5
    )
    model = fit_family(Family.XGBOOST, train, val, params)
    assert len(model.curve.val_logloss) < 2000
    assert model.booster.num_boosted_rounds() == model.curve.best_iteration + 1


def test_meta_json_follows_the_artifact_format(train_val: tuple[XY, XY], tmp_path: Path) -> None:
    train, val = train_val
    fit_family(Family.MNLOGIT, train, val, small_params(Family.MNLOGIT)).save(tmp_path)
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["family"] == "rps_bot_mnlogit"
    assert meta["format"] == "numpy-npz"
    assert meta["contract_hash"] == FEATURE_CONTRACT_HASH
    assert meta["feature_names"] == list(FEATURE_NAMES)
    assert meta["version"] is None
    assert meta["params"]["c_path"] == [0.01, 0.1, 1.0]
    with np.load(tmp_path / "model.npz") as npz:
        assert npz["W"].shape == (50, 3) and npz["b"].shape == (3,)


def test_mnlogit_is_served_as_softmax_of_x_w_plus_expert_columns_plus_b(
    train_val: tuple[XY, XY], tmp_path: Path
) -> None:
    train, val = train_val
    fit_family(Family.MNLOGIT, train, val, small_params(Family.MNLOGIT)).save(tmp_path)
    x = val.x.astype(np.float64)
    with np.load(tmp_path / "model.npz") as npz:
        logits = x @ npz["W"] + expert_features(x) @ npz["W_expert"] + npz["b"]
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(load_artifact(tmp_path).predict_proba(val.x), expected, rtol=1e-12)


def test_stamp_version_records_the_registry_version(train_val: tuple[XY, XY], tmp_path: Path) -> None:
    train, val = train_val
    fit_family(Family.MNLOGIT, train, val, small_params(Family.MNLOGIT)).save(tmp_path)
    stamp_version(tmp_path, 7, run_id="abc")
    assert load_artifact(tmp_path).meta.version == 7
    assert read_meta(tmp_path).run_id == "abc"


def test_predict_proba_accepts_one_row_and_rejects_a_wrong_width(
    train_val: tuple[XY, XY], tmp_path: Path
) -> None:
    train, val = train_val
    fit_family(Family.MNLOGIT, train, val, small_params(Family.MNLOGIT)).save(tmp_path)
    model = load_artifact(tmp_path)
    assert model.predict_proba(val.x[0].tolist()).shape == (1, 3)
    with pytest.raises(ValueError, match=r"\[n, 50\]"):
        model.predict_proba(np.zeros((2, 49), dtype=np.float32))


def test_load_artifact_of_a_missing_directory_is_artifact_not_found(tmp_path: Path) -> None:
    with pytest.raises(ArtifactNotFoundError):
        load_artifact(tmp_path / "nope")


def test_load_artifact_refuses_another_feature_contract(train_val: tuple[XY, XY], tmp_path: Path) -> None:
    train, val = train_val
    fit_family(Family.MNLOGIT, train, val, small_params(Family.MNLOGIT)).save(tmp_path)
    meta = json.loads((tmp_path / "meta.json").read_text())
    meta["contract_hash"] = "0000000000000000"
    (tmp_path / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ContractMismatchError):
        load_artifact(tmp_path)
    assert load_artifact(tmp_path, check_contract=False).meta.contract_hash == "0000000000000000"


def test_load_artifact_with_a_corrupt_model_file_is_artifact_invalid(
    train_val: tuple[XY, XY], tmp_path: Path
) -> None:
    train, val = train_val
    fit_family(Family.XGBOOST, train, val, small_params(Family.XGBOOST)).save(tmp_path)
    (tmp_path / "model.ubj").write_bytes(b"not a model")
    with pytest.raises(ArtifactInvalidError):
        load_artifact(tmp_path)


def test_load_artifact_with_a_bad_meta_is_artifact_invalid(tmp_path: Path) -> None:
    (tmp_path / "meta.json").write_text(json.dumps({"family": "rps_bot_unknown", "format": "numpy-npz"}))
    with pytest.raises(ArtifactInvalidError):
        load_artifact(tmp_path)


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_is_implemented_by_its_own_class(family: Family) -> None:
    cls = model_class(family)
    assert cls.family is family and cls.format is EXPECTED_FORMAT[family]


def test_loading_imports_neither_mlflow_nor_other_families_libraries(
    train_val: tuple[XY, XY], tmp_path: Path
) -> None:
    train, val = train_val
    fit_family(Family.MNLOGIT, train, val, small_params(Family.MNLOGIT)).save(tmp_path)
    code = (
        "import sys; from shared.models import load_artifact; "
        f"m = load_artifact({str(tmp_path)!r}); m.predict_proba([[0.0] * 50]); "
        "print(sorted(x for x in ('mlflow', 'torch', 'xgboost', 'lightgbm', 'sklearn') if x in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
