"""The feed-forward net's training side, in PyTorch: the MLP, its fit, and writing its state_dict.

Only training imports this module (and torch); serving reads the saved weights in numpy
(shared.models.feedforward).
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from shared.features import FEATURE_COUNT
from shared.models.base import N_CLASSES, XY, LearningCurve
from shared.models.config import FeedforwardParams

StateDict = dict[str, npt.NDArray[np.float32]]


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

    @classmethod
    def from_state(cls, state: Mapping[str, npt.NDArray[np.float32]], params: FeedforwardParams) -> MLP:
        """The net of a saved state (numpy arrays), in eval mode."""
        module = cls(params.hidden, params.dropout)
        module.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in state.items()})
        return module.eval()


def _mean_loss(module: MLP, x: torch.Tensor, y: torch.Tensor) -> float:
    module.eval()
    with torch.inference_mode():
        return float(nn.functional.cross_entropy(module(x), y))


def fit_mlp(train: XY, val: XY, params: FeedforwardParams) -> tuple[StateDict, LearningCurve]:
    """Train with AdamW, early-stopping on validation log loss; the best epoch's state as numpy."""
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
    curve.best_iteration = best_epoch
    return {name: tensor.numpy().copy() for name, tensor in best_state.items()}, curve


def save_state(state: Mapping[str, npt.NDArray[np.float32]], path: Path) -> None:
    """torch.save of the state_dict, as the trainer has always written it (model.pt)."""
    torch.save(OrderedDict((k, torch.from_numpy(np.array(v))) for k, v in state.items()), path)
