"""PyTorch feed-forward net: an MLP whose input standardization lives in its state_dict."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Self

import numpy as np
import torch
from torch import nn

from shared.features import FEATURE_COUNT, Family
from shared.models.base import N_CLASSES, XY, FamilyModel, Float32Array, FloatArray, LearningCurve
from shared.models.config import FamilyParams, FeedforwardParams
from shared.models.meta import ArtifactFormat

MODEL_FILE = "model.pt"


class MLP(nn.Module):
    """Standardize, then hidden ReLU layers with dropout, then 3 logits."""

    mean: torch.Tensor
    scale: torch.Tensor

    def __init__(self, hidden: tuple[int, ...], dropout: float) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(FEATURE_COUNT))
        self.register_buffer("scale", torch.ones(FEATURE_COUNT))
        layers: list[nn.Module] = []
        width = FEATURE_COUNT
        for size in hidden:
            layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(dropout)]
            width = size
        layers.append(nn.Linear(width, N_CLASSES))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.net((x - self.mean) / self.scale)
        return logits


def _mean_loss(module: MLP, x: torch.Tensor, y: torch.Tensor) -> float:
    module.eval()
    with torch.inference_mode():
        return float(nn.functional.cross_entropy(module(x), y))


class FeedforwardModel(FamilyModel):
    family = Family.FEEDFORWARD
    format = ArtifactFormat.TORCH_STATE_DICT

    def __init__(self, module: MLP, params: FamilyParams, curve: LearningCurve | None = None) -> None:
        super().__init__(params, curve)
        self.module = module.eval()

    @classmethod
    def fit(cls, train: XY, val: XY, params: FamilyParams) -> Self:
        assert isinstance(params, FeedforwardParams)
        torch.set_num_threads(params.threads)
        generator = torch.Generator().manual_seed(params.seed)
        torch.manual_seed(params.seed)
        module = MLP(params.hidden, params.dropout)
        x = torch.from_numpy(train.x)
        y = torch.from_numpy(train.y)
        xval, yval = torch.from_numpy(val.x), torch.from_numpy(val.y)
        scale = x.std(dim=0)
        scale[scale < 1e-6] = 1.0
        module.mean.copy_(x.mean(dim=0))
        module.scale.copy_(scale)
        optimizer = torch.optim.AdamW(
            module.parameters(), lr=params.learning_rate, weight_decay=params.weight_decay
        )
        curve = LearningCurve(unit="epoch")
        best_loss, best_state, best_epoch = np.inf, copy.deepcopy(module.state_dict()), 0
        for epoch in range(params.max_epochs):
            module.train()
            order = torch.randperm(len(train), generator=generator)
            for start in range(0, len(train), params.batch_size):
                idx = order[start : start + params.batch_size]
                optimizer.zero_grad(set_to_none=True)
                loss = nn.functional.cross_entropy(module(x[idx]), y[idx])
                loss.backward()  # type: ignore[no-untyped-call]
                optimizer.step()
            curve.train_logloss.append(_mean_loss(module, x, y))
            val_loss = _mean_loss(module, xval, yval)
            curve.val_logloss.append(val_loss)
            if val_loss < best_loss - 1e-6:
                best_loss, best_state, best_epoch = val_loss, copy.deepcopy(module.state_dict()), epoch
            elif epoch - best_epoch >= params.patience:
                break
        module.load_state_dict(best_state)
        curve.best_iteration = best_epoch
        return cls(module, params, curve)

    def predict_proba(self, x: Float32Array) -> FloatArray:
        with torch.inference_mode():
            logits = self.module(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)))
            return torch.softmax(logits, dim=1).numpy().astype(np.float64)

    def _save_native(self, directory: Path) -> None:
        torch.save(self.module.state_dict(), directory / MODEL_FILE)

    @classmethod
    def _load_native(cls, directory: Path, params: FamilyParams) -> Self:
        assert isinstance(params, FeedforwardParams)
        module = MLP(params.hidden, params.dropout)
        state = torch.load(directory / MODEL_FILE, map_location="cpu", weights_only=True)
        module.load_state_dict(state)
        return cls(module, params)
