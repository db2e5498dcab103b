"""The feed-forward net is served in numpy from its saved state_dict: torch's answers, without torch."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from shared.features import Family
from shared.models import XY, ArtifactInvalidError, fit_family, load_artifact, params_for
from shared.models.feedforward import MODEL_FILE
from tests.models.conftest import SMALL, small_params

ROOT = Path(__file__).resolve().parents[2]


def torch_forward(directory: Path, x: np.ndarray) -> np.ndarray:
    """The training side's own forward: torch loads model.pt itself and runs the nn.Module."""
    import torch

    from shared.models.feedforward_torch import MLP

    model = load_artifact(directory)
    module = MLP(model.model.params.hidden, model.model.params.dropout)  # type: ignore[attr-defined]
    module.load_state_dict(torch.load(directory / MODEL_FILE, map_location="cpu", weights_only=True))
    with torch.inference_mode():
        return torch.softmax(module.eval()(torch.from_numpy(x)), dim=1).numpy().astype(np.float64)


@pytest.mark.parametrize("hidden", [(16,), (128, 64)])
def test_numpy_forward_equals_the_torch_forward_within_1e_6(
    train_val: tuple[XY, XY], tmp_path: Path, hidden: tuple[int, ...]
) -> None:
    train, val = train_val
    params = params_for(Family.FEEDFORWARD, {**SMALL[Family.FEEDFORWARD], "hidden": hidden})
    fit_family(Family.FEEDFORWARD, train, val, params).save(tmp_path)
    rng = np.random.default_rng(3)
    x = np.vstack([val.x, (val.x * rng.uniform(-3, 3, val.x.shape)).astype(np.float32)])
    served = load_artifact(tmp_path).predict_proba(x)
    assert np.abs(served - torch_forward(tmp_path, x)).max() <= 1e-6
    assert np.allclose(served.sum(axis=1), 1.0)


def test_loading_and_predicting_a_feedforward_model_never_imports_torch(
    train_val: tuple[XY, XY], tmp_path: Path
) -> None:
    train, val = train_val
    fit_family(Family.FEEDFORWARD, train, val, small_params(Family.FEEDFORWARD)).save(tmp_path)
    code = (
        "import sys; from shared.models import load_artifact; "
        f"m = load_artifact({str(tmp_path)!r}); "
        "print(m.predict_proba([[0.5] * 50]).shape, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(1, 3) False"


def test_a_state_dict_that_would_run_code_is_refused(tmp_path: Path) -> None:
    import pickle

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (print, ("pwned",))

    with zipfile.ZipFile(tmp_path / MODEL_FILE, "w") as archive:
        archive.writestr("model/data.pkl", pickle.dumps({"mean": Evil()}, protocol=2))
    from shared.models.torch_state import read_state_dict

    with pytest.raises(ArtifactInvalidError, match=r"print, which a state_dict never needs"):
        read_state_dict(tmp_path / MODEL_FILE)


def test_a_file_that_is_not_a_state_dict_is_artifact_invalid(tmp_path: Path) -> None:
    from shared.models.torch_state import read_state_dict

    (tmp_path / MODEL_FILE).write_bytes(b"not a zip")
    with pytest.raises(ArtifactInvalidError, match="cannot read the state_dict"):
        read_state_dict(tmp_path / MODEL_FILE)
