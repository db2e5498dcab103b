"""The MLflow pyfunc flavour of an artifact: `mlflow.pyfunc.load_model` calls `_load_pyfunc` here.

A registered version is an MLflow model directory (`MLmodel`, signature, input example) whose
`python_function` flavour names this module as its loader and keeps the lean artifact directory
(meta.json + the native model file) at `data/artifact`. The serving cache holds only that lean
directory (`artifact_root` finds it); loading never imports mlflow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shared.features import FEATURE_NAMES, MOVES
from shared.models.errors import ArtifactNotFoundError
from shared.models.loading import LoadedModel, load_artifact
from shared.models.meta import META_FILE

LOADER_MODULE = __name__
ARTIFACT_IN_MODEL = Path("data") / "artifact"  # where the lean artifact sits in an MLflow model directory
OUTPUT_NAMES: tuple[str, ...] = tuple(m.value for m in MOVES)  # the three probabilities' columns


def artifact_root(path: Path) -> Path:
    """The lean artifact directory (with meta.json) in a download: the path itself (a version
    registered as a bare directory) or the MLflow model directory's `data/artifact`."""
    for candidate in (path, path / ARTIFACT_IN_MODEL):
        if (candidate / META_FILE).is_file():
            return candidate
    raise ArtifactNotFoundError(f"no {META_FILE} in {path} nor in {path / ARTIFACT_IN_MODEL}")


class PyfuncModel:
    """What `mlflow.pyfunc.load_model` wraps: 50 named feature columns in, three probabilities out."""

    def __init__(self, model: LoadedModel) -> None:
        self.model = model

    def predict(self, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        """Probabilities of (rock, paper, scissors) for each row of a DataFrame or a [n, 50] array."""
        import pandas as pd  # type: ignore[import-untyped]  # only when MLflow calls: serving never does

        if isinstance(model_input, pd.DataFrame):
            model_input = model_input[list(FEATURE_NAMES)].to_numpy()
        return pd.DataFrame(self.model.predict_proba(model_input), columns=list(OUTPUT_NAMES))


def _load_pyfunc(data_path: str) -> PyfuncModel:
    """MLflow's loader hook: `data_path` is the model directory's `data/artifact`."""
    return PyfuncModel(load_artifact(Path(data_path)))
