"""Feed-forward net: trained in PyTorch, served in numpy from the saved state_dict.

Training (fit, save) imports torch through shared.models.feedforward_torch; loading and
predicting need only numpy, so a serving process never imports torch. The numpy forward
is the torch forward in float64: the same probabilities within 1e-6 (tests/models).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Self

import numpy as np
import numpy.typing as npt

from shared.features import FEATURE_COUNT, Family
from shared.models.base import N_CLASSES, XY, FamilyModel, Float32Array, FloatArray, LearningCurve
from shared.models.config import FamilyParams, FeedforwardParams
from shared.models.errors import ArtifactInvalidError
from shared.models.meta import ArtifactFormat
from shared.models.torch_state import read_state_dict

MODEL_FILE = "model.pt"
_LINEAR = re.compile(r"^net\.(\d+)\.weight$")


def _layers(state: Mapping[str, npt.NDArray[np.float32]]) -> list[tuple[FloatArray, FloatArray]]:
    """(W [in, out], b [out]) of each Linear in order, checked to chain from 50 inputs to 3 logits."""
    indices = sorted(int(m.group(1)) for key in state if (m := _LINEAR.match(key)))
    layers, width = [], FEATURE_COUNT
    for index in indices:
        weight, bias = state[f"net.{index}.weight"], state.get(f"net.{index}.bias")
        if bias is None or weight.ndim != 2 or weight.shape[1] != width or bias.shape != (weight.shape[0],):
            raise ArtifactInvalidError(f"layer net.{index} does not fit after a width of {width}")
        layers.append((np.ascontiguousarray(weight.T, dtype=np.float64), bias.astype(np.float64)))
        width = weight.shape[0]
    if not layers or width != N_CLASSES:
        raise ArtifactInvalidError(f"the net must end in {N_CLASSES} logits, its last width is {width}")
    return layers


class FeedforwardModel(FamilyModel):
    family = Family.FEEDFORWARD
    format = ArtifactFormat.TORCH_STATE_DICT

    def __init__(
        self,
        state: Mapping[str, npt.NDArray[np.float32]],
        params: FamilyParams,
        curve: LearningCurve | None = None,
    ) -> None:
        super().__init__(params, curve)
        missing = {"mean", "scale"} - state.keys()
        if missing:
            raise ArtifactInvalidError(f"state_dict lacks {sorted(missing)}")
        self.state = dict(state)
        self._mean = np.asarray(state["mean"], dtype=np.float64)
        self._scale = np.asarray(state["scale"], dtype=np.float64)
        if self._mean.shape != (FEATURE_COUNT,) or self._scale.shape != (FEATURE_COUNT,):
            raise ArtifactInvalidError(f"mean and scale must be [{FEATURE_COUNT}]")
        self._layers = _layers(state)

    @classmethod
    def fit(cls, train: XY, val: XY, params: FamilyParams) -> Self:
        assert isinstance(params, FeedforwardParams)
        from shared.models.feedforward_torch import fit_mlp  # torch: training only

        state, curve = fit_mlp(train, val, params)
        return cls(state, params, curve)

    def predict_proba(self, x: Float32Array) -> FloatArray:
        h = (np.asarray(x, dtype=np.float64) - self._mean) / self._scale
        last = len(self._layers) - 1
        for i, (weight, bias) in enumerate(self._layers):
            h = h @ weight + bias
            if i < last:
                np.maximum(h, 0.0, out=h)  # ReLU; dropout is the identity in eval mode
        h -= h.max(axis=1, keepdims=True)
        np.exp(h, out=h)
        h /= h.sum(axis=1, keepdims=True)
        return h

    def _save_native(self, directory: Path) -> None:
        from shared.models.feedforward_torch import save_state  # torch: training only

        save_state(self.state, directory / MODEL_FILE)

    @classmethod
    def _load_native(cls, directory: Path, params: FamilyParams) -> Self:
        assert isinstance(params, FeedforwardParams)
        return cls(read_state_dict(directory / MODEL_FILE), params)
