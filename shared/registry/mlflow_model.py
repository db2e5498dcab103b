"""A lean artifact directory as a standard MLflow model (pyfunc flavour, signature, input example).

The flavour's loader is `shared.models.pyfunc`: `mlflow.pyfunc.load_model(models:/<family>@<alias>)`
and `mlflow models serve` load the version with the project's own artifact loader.
"""

from __future__ import annotations

import shutil
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from mlflow.models import ModelSignature
from mlflow.pyfunc import save_model
from mlflow.types import ColSpec, Schema

from shared.features import (
    FEATURE_NAMES,
    Family,
    Move,
    deterministic_round_points,
    extract_features_stateless,
)
from shared.features.experts import EXPERTS_HASH
from shared.models import ArtifactMeta
from shared.models.pyfunc import ARTIFACT_IN_MODEL, LOADER_MODULE, OUTPUT_NAMES

SIGNATURE = ModelSignature(
    inputs=Schema([ColSpec("double", name) for name in FEATURE_NAMES]),
    outputs=Schema([ColSpec("double", name) for name in OUTPUT_NAMES]),
)
# The distributions a served version needs beside the project's own code (`--env-manager local`
# uses this environment; the list is what a conda/virtualenv environment would install).
_LIBRARIES: dict[Family, tuple[str, ...]] = {
    Family.FEEDFORWARD: (),  # served in numpy from its state_dict
    Family.XGBOOST: ("xgboost-cpu",),
    Family.MNLOGIT: (),
    Family.LIGHTGBM: ("lightgbm",),
}
_COMMON = ("mlflow", "numpy", "orjson", "pandas")


def input_example() -> pd.DataFrame:
    """One real row: the features of round 4 of a game whose player played rock, paper, scissors."""
    game = "example-game"
    played = [Move.ROCK, Move.PAPER, Move.SCISSORS]
    history = [deterministic_round_points(game, n) for n in (1, 2, 3)]
    row = extract_features_stateless(played, played[::-1], history, deterministic_round_points(game, 4))
    return pd.DataFrame(np.asarray(row, dtype=np.float64).reshape(1, -1), columns=list(FEATURE_NAMES))


def experts_hash(meta: ArtifactMeta) -> str:
    """The expert-column expansion the model was fitted with, or "none" (tagged on the version)."""
    return EXPERTS_HASH if meta.params.get("expert_features") else "none"


def _requirements(family: Family) -> list[str]:
    names = (*_COMMON, *_LIBRARIES[family])
    pins = []
    for name in names:
        try:
            pins.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pins.append(name)
    return pins


def save_mlflow_model(artifact_dir: Path, meta: ArtifactMeta, dest: Path) -> Path:
    """Write the MLflow model directory of `artifact_dir` at `dest` (which must not exist)."""
    staging = dest.parent / f"{dest.name}.staging"
    shutil.copytree(artifact_dir, staging / ARTIFACT_IN_MODEL.name)  # data_path keeps its basename
    try:
        save_model(
            str(dest),
            loader_module=LOADER_MODULE,
            data_path=str(staging / ARTIFACT_IN_MODEL.name),
            signature=SIGNATURE,
            input_example=input_example(),
            pip_requirements=_requirements(meta.family),
            metadata={"contract_hash": meta.contract_hash, "experts_hash": experts_hash(meta)},
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dest
