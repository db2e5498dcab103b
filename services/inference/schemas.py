"""Request and response shapes of the inference API."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.features import FEATURE_COUNT, FEATURE_NAMES, Alias, Family


def check_features(values: list[float]) -> list[float]:
    """Exactly FEATURE_COUNT finite numbers that fit float32; the error names the first bad one."""
    if len(values) != FEATURE_COUNT:
        raise ValueError(f"expected {FEATURE_COUNT} features, got {len(values)}")
    with np.errstate(over="ignore"):
        row = np.asarray(values, dtype=np.float32)
    if not np.isfinite(row).all():
        index = int(np.flatnonzero(~np.isfinite(row))[0])
        value = values[index]
        what = (
            "NaN" if value != value else "infinite" if abs(value) == float("inf") else "beyond float32 range"
        )
        raise ValueError(f"features[{index}] ({FEATURE_NAMES[index]}) is {what}: {value}")
    return values


class PredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    family: Family
    alias: Alias | None = None
    game_id: str | None = Field(default=None, min_length=1, max_length=128)
    features: list[float]

    _check_features = field_validator("features")(check_features)

    @model_validator(mode="after")
    def _alias_or_game(self) -> PredictRequest:
        if (self.alias is None) == (self.game_id is None):
            raise ValueError("give exactly one of alias or game_id")
        return self


class BatchPredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    family: Family
    features: list[float]
    aliases: list[Alias] | None = Field(default=None, description="all four when omitted")

    _check_features = field_validator("features")(check_features)


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
