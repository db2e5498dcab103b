"""load_artifact: an artifact directory to a ready predictor, fast and without mlflow."""

from __future__ import annotations

from pathlib import Path

import numpy.typing as npt

from shared.features import FEATURE_CONTRACT_HASH, FEATURE_NAMES
from shared.models.base import FamilyModel, FloatArray, as_features
from shared.models.errors import ArtifactError, ArtifactInvalidError, ContractMismatchError
from shared.models.families import model_class
from shared.models.meta import ArtifactMeta, read_meta


class LoadedModel:
    """A loaded artifact: `predict_proba(x [n, 50]) -> [n, 3]` (rock, paper, scissors) and its `meta`."""

    __slots__ = ("meta", "model", "path")

    def __init__(self, meta: ArtifactMeta, model: FamilyModel, path: Path) -> None:
        self.meta = meta
        self.model = model
        self.path = path

    def predict_proba(self, x: npt.ArrayLike) -> FloatArray:
        return self.model.predict_proba(as_features(x))

    def __repr__(self) -> str:
        return f"LoadedModel({self.meta.family.value} v{self.meta.version}, {self.meta.format.value})"


def load_artifact(path: str | Path, check_contract: bool = True) -> LoadedModel:
    """Load the artifact directory at `path`; ArtifactError subclasses say what is wrong."""
    directory = Path(path)
    meta = read_meta(directory)
    if check_contract and (
        meta.contract_hash != FEATURE_CONTRACT_HASH or tuple(meta.feature_names) != FEATURE_NAMES
    ):
        raise ContractMismatchError(
            f"{directory}: trained on feature contract {meta.contract_hash}, "
            f"this code has {FEATURE_CONTRACT_HASH}"
        )
    cls = model_class(meta.family)
    if cls.format != meta.format:
        raise ArtifactInvalidError(f"{directory}: format {meta.format} does not match family {meta.family}")
    try:
        model = cls.load(directory, meta)
    except ArtifactError:
        raise
    except Exception as exc:  # each library raises its own types for a bad file
        raise ArtifactInvalidError(f"{directory}: cannot load {meta.format} model: {exc}") from exc
    return LoadedModel(meta, model, directory)
