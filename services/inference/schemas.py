"""Request and response shapes of the inference API; the OpenAPI schema is generated from them.

`features` is bounded in the schema itself (exactly 50 finite numbers within float32's range),
so what the schema advertises is what validation accepts.
"""

from __future__ import annotations

from typing import Annotated, Any, Self

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from services.inference.slots import SlotStatus, Source
from services.inference.store import ReloadOutcome, ReloadTrigger
from shared.features import FEATURE_COUNT, Alias, Family

FLOAT32_MAX = float(np.finfo(np.float32).max)

Feature = Annotated[float, Field(strict=True, ge=-FLOAT32_MAX, le=FLOAT32_MAX, allow_inf_nan=False)]
Features = Annotated[
    list[Feature],
    Field(
        min_length=FEATURE_COUNT,
        max_length=FEATURE_COUNT,
        description=f"the {FEATURE_COUNT} features of the contract, in order (GET /models: contract_hash)",
    ),
]
GameId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")]


def _not_null(schema: dict[str, Any]) -> None:
    """A field that may be absent but not null: null (and its null default) left out of the schema."""
    schema.pop("default", None)
    options = [option for option in schema.pop("anyOf", []) if option.get("type") != "null"]
    if len(options) == 1:
        schema.update(options[0])


class _FeatureRow(BaseModel):
    """`features` converted to float32 once, during validation; the route reads `row`."""

    features: Features
    _row: npt.NDArray[np.float32] = PrivateAttr()

    @model_validator(mode="after")
    def _convert(self) -> Self:
        # Every value is finite and within float32's range (the schema): the conversion is exact enough.
        self._row = np.asarray(self.features, dtype=np.float32).reshape(1, -1)
        return self

    @property
    def row(self) -> npt.NDArray[np.float32]:
        return self._row


class PredictRequest(_FeatureRow):
    # Exactly one of alias and game_id, said in the schema too (neither may be null).
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {"required": ["alias"], "not": {"required": ["game_id"]}},
                {"required": ["game_id"], "not": {"required": ["alias"]}},
            ]
        },
    )

    family: Family
    alias: Alias | None = Field(
        default=None, description="give alias or game_id", json_schema_extra=_not_null
    )
    game_id: GameId | None = Field(
        default=None,
        description="the game whose alias (fixed by gameplay at its start) answers",
        json_schema_extra=_not_null,
    )

    @model_validator(mode="after")
    def _alias_or_game(self) -> PredictRequest:
        given = {"alias", "game_id"} & self.model_fields_set
        if len(given) != 1 or getattr(self, given.pop()) is None:
            raise ValueError("give exactly one of alias or game_id (not null)")
        return self


class BatchPredictRequest(_FeatureRow):
    model_config = ConfigDict(extra="forbid")

    family: Family
    aliases: list[Alias] | None = Field(default=None, max_length=16, description="all four when omitted")


class Probabilities(BaseModel):
    rock: float
    paper: float
    scissors: float


class PredictResponse(BaseModel):
    probabilities: Probabilities
    family: Family
    alias: Alias
    model_version: int | None
    source: Source


class AliasPrediction(BaseModel):
    probabilities: Probabilities
    model_version: int | None
    source: Source


class BatchPredictResponse(BaseModel):
    family: Family
    predictions: dict[Alias, AliasPrediction] = Field(description="aliases without a model are absent")


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="where in the request, e.g. ['body', 'features', 3]")
    msg: str
    type: str


class Problem(BaseModel):
    """Every error answer: one sentence saying what is wrong, plus each field's error for a 422."""

    detail: str
    errors: list[FieldError] | None = None


class SlotInfo(BaseModel):
    status: SlotStatus
    version: int | None
    source: Source
    contract_hash: str | None = Field(description="the model's feature contract")
    expected_contract_hash: str = Field(description="this code's feature contract")
    loaded_at: str | None
    load_seconds: float | None
    error: str | None


class ReloadInfo(BaseModel):
    trigger: ReloadTrigger
    outcome: ReloadOutcome = Field(
        description="ok: every source read; partial: some alias kept its model or failed; error: none swapped"
    )
    finished_at: str
    seconds: float
    generation: int
    error: str | None


class ModelsResponse(BaseModel):
    ready: bool
    generation: int
    created_at: str
    contract_hash: str
    last_reload: ReloadInfo | None
    last_successful_reload_at: str | None = Field(description="when a reload last read every source")
    models: dict[Family, dict[Alias, SlotInfo]]


class HealthResponse(BaseModel):
    status: str = Field(examples=["ok"])


class ReadyResponse(BaseModel):
    status: str = Field(description="ready, or loading (503) until the start-up load is done")
    loaded: int | None = Field(default=None, description="aliases with a model in memory")
    generation: int | None = None


def errors_of(raw: list[dict[str, Any]]) -> list[FieldError]:
    """Pydantic's errors without the input they refer to (never echoed back)."""
    return [FieldError(loc=[_safe(p) for p in e.get("loc", ())], msg=e["msg"], type=e["type"]) for e in raw]


def _safe(part: object) -> str | int:
    """A location part as it can be sent back: ints as they are, text truncated and valid UTF-8."""
    if isinstance(part, int):
        return part
    return str(part)[:64].encode("utf-8", "replace").decode("utf-8")
