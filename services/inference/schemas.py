"""Request and response shapes of the inference API."""

from __future__ import annotations

from typing import Self

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from shared.features import FEATURE_COUNT, FEATURE_NAMES, Alias, Family


def check_count(values: list[float]) -> list[float]:
    if len(values) != FEATURE_COUNT:
        raise ValueError(f"expected {FEATURE_COUNT} features, got {len(values)}")
    return values


def float32_row(values: list[float]) -> npt.NDArray[np.float32]:
    """The features as one float32 [1, 50] row, converted once; the error names the first bad one."""
    with np.errstate(over="ignore"):
        row = np.asarray(values, dtype=np.float32).reshape(1, -1)
    finite = np.isfinite(row[0])
    if not finite.all():
        index = int(np.flatnonzero(~finite)[0])
        value = values[index]
        what = (
            "NaN" if value != value else "infinite" if abs(value) == float("inf") else "beyond float32 range"
        )
        raise ValueError(f"features[{index}] ({FEATURE_NAMES[index]}) is {what}: {value}")
    return row


class _FeatureRow(BaseModel):
    """`features` checked and converted to float32 once, during validation; the route reads `row`."""

    features: list[float]
    _row: npt.NDArray[np.float32] = PrivateAttr()

    _check_count = field_validator("features")(check_count)

    @model_validator(mode="after")
    def _convert(self) -> Self:
        self._row = float32_row(self.features)
        return self

    @property
    def row(self) -> npt.NDArray[np.float32]:
        return self._row


class PredictRequest(_FeatureRow):
    model_config = ConfigDict(extra="forbid")

    family: Family
    alias: Alias | None = None
    game_id: str | None = Field(default=None, min_length=1, max_length=128)

    @model_validator(mode="after")
    def _alias_or_game(self) -> PredictRequest:
        if (self.alias is None) == (self.game_id is None):
            raise ValueError("give exactly one of alias or game_id")
        return self


class BatchPredictRequest(_FeatureRow):
    model_config = ConfigDict(extra="forbid")

    family: Family
    aliases: list[Alias] | None = Field(default=None, description="all four when omitted")


class Probabilities(BaseModel):
    rock: float
    paper: float
    scissors: float


class PredictResponse(BaseModel):
    probabilities: Probabilities
    family: Family
    alias: Alias
    model_version: int | None
    source: str


class AliasPrediction(BaseModel):
    probabilities: Probabilities
    model_version: int | None
    source: str


class BatchPredictResponse(BaseModel):
    family: Family
    predictions: dict[Alias, AliasPrediction]
