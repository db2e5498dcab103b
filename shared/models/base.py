"""The one interface every family implements: fit, predict_proba, save, load."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Self

import numpy as np
import numpy.typing as npt

from shared.features import FEATURE_COUNT, Family
from shared.models.config import FamilyParams, params_from_dict, params_to_dict
from shared.models.meta import ArtifactFormat, ArtifactMeta, write_meta

Float32Array = npt.NDArray[np.float32]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

N_CLASSES = 3  # rock, paper, scissors


@dataclass(frozen=True, slots=True)
class XY:
    """Feature rows (float32 [n, 50]) and labels (player move index [n])."""

    x: Float32Array
    y: IntArray

    def __post_init__(self) -> None:
        if self.x.ndim != 2 or self.x.shape[1] != FEATURE_COUNT:
            raise ValueError(f"x must be [n, {FEATURE_COUNT}], got {self.x.shape}")
        if self.y.shape != (self.x.shape[0],):
            raise ValueError(f"y must be [{self.x.shape[0]}], got {self.y.shape}")

    @classmethod
    def of(cls, x: npt.ArrayLike, y: npt.ArrayLike) -> XY:
        return cls(np.ascontiguousarray(x, dtype=np.float32), np.asarray(y, dtype=np.int64))

    def __len__(self) -> int:
        return int(self.y.shape[0])


@dataclass(slots=True)
class LearningCurve:
    """Log loss per boosting round / epoch / iteration, and the one early stopping kept."""

    train_logloss: list[float] = field(default_factory=list)
    val_logloss: list[float] = field(default_factory=list)
    best_iteration: int = 0  # 0-based index into the lists
    unit: str = "iteration"


def log_loss(y: IntArray, proba: FloatArray) -> float:
    """Mean negative log-likelihood of the true class, clipped like sklearn."""
    eps = 1e-15
    picked = np.clip(proba[np.arange(len(y)), y], eps, 1.0)
    return float(-np.mean(np.log(picked)))


def as_features(x: npt.ArrayLike) -> Float32Array:
    """float32 [n, 50] from one row or many; ValueError on any other shape."""
    arr = np.asarray(x, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[1] != FEATURE_COUNT:
        raise ValueError(f"features must be [n, {FEATURE_COUNT}], got shape {arr.shape}")
    return np.ascontiguousarray(arr)


class FamilyModel(ABC):
    """A fitted model of one family. Subclasses live in one module each (see families.py)."""

    family: ClassVar[Family]
    format: ClassVar[ArtifactFormat]

    def __init__(self, params: FamilyParams, curve: LearningCurve | None = None) -> None:
        self.params = params
        self.curve = curve or LearningCurve()

    @classmethod
    @abstractmethod
    def fit(cls, train: XY, val: XY, params: FamilyParams) -> Self:
        """Train on `train`, early-stopping on `val`'s log loss."""

    @abstractmethod
    def predict_proba(self, x: Float32Array) -> FloatArray:
        """[n, 3] probabilities in (rock, paper, scissors) order for float32 [n, 50] rows."""

    @abstractmethod
    def _save_native(self, directory: Path) -> None:
        """Write the fitted model in its library's native format."""

    @classmethod
    @abstractmethod
    def _load_native(cls, directory: Path, params: FamilyParams) -> Self:
        """Read what _save_native wrote."""

    def save(self, directory: Path, run_id: str | None = None, version: int | None = None) -> ArtifactMeta:
        """Write the artifact directory: the native model file(s) and meta.json (last)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self._save_native(directory)
        meta = ArtifactMeta(
            family=self.family,
            format=self.format,
            params={**params_to_dict(self.params), "best_iteration": self.curve.best_iteration},
            version=version,
            run_id=run_id,
        )
        write_meta(directory, meta)
        return meta

    @classmethod
    def load(cls, directory: Path, meta: ArtifactMeta) -> Self:
        """The model saved in `directory` (its meta already read and checked)."""
        params = params_from_dict(cls.family, meta.params)
        model = cls._load_native(Path(directory), params)
        model.curve.best_iteration = int(meta.params.get("best_iteration", 0))
        return model
