"""Request and response shapes of the public API (they are the OpenAPI schema)."""

from __future__ import annotations

import functools
import unicodedata
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.events.read_models import (
    GameBase,
    GameDetailBase,
    LedgerBase,
    PlayerBase,
    SessionBase,
    WinnerName,
)
from shared.features import FEATURE_COUNT, MAX_ROUNDS, POLICIES, Move

PolicyName = StrEnum("PolicyName", {p.name: p.name for p in POLICIES})  # type: ignore[misc]
BotSource = Literal["opening", "model", "fallback"]
ResultName = Literal["win", "lose", "draw"]
Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
NonceHex = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
# Control, format (bidi overrides, zero-width joiners…) and private-use characters.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co"})
MAX_CODE_POINT = 0x10FFFF
ID_PATTERN = r"^[A-Za-z0-9_.:-]+$"  # game and session ids as the server issues them


class Problem(BaseModel):
    """Every error answer: one sentence saying what is wrong, plus the fields at fault on a 422."""

    detail: str
    errors: list[FieldError] | None = None


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


Problem.model_rebuild()


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` declaring `statuses` with the Problem body."""
    described = {
        400: "the body is not readable (not UTF-8)",
        401: "no internal token",
        403: "wrong internal token",
        404: "not found",
        409: "conflict with the game's state",
        413: "request body too large",
        422: "invalid request",
        429: "rate limit reached; see Retry-After",
        503: "not configured or not available",
    }
    return {s: {"model": Problem, "description": described[s]} for s in statuses}


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RoundPoints(BaseModel):
    rock: float
    paper: float
    scissors: float


@functools.cache
def player_name_pattern() -> str:
    """The JSON Schema pattern of what `_printable_name` accepts: a visible character, none refused."""
    refused, start = [], None
    for code in range(MAX_CODE_POINT + 2):
        bad = code <= MAX_CODE_POINT and unicodedata.category(chr(code)) in REFUSED_CATEGORIES
        if bad and start is None:
            start = code
        elif not bad and start is not None:
            # Surrogates never reach here (not valid in JSON text); literal characters, no escapes.
            refused.append(chr(start) if code - 1 == start else f"{chr(start)}-{chr(code - 1)}")
            start = None
    ranges = "".join(refused)
    return f"^[^{ranges}]*[^{ranges}\\s][^{ranges}]*$"


def _name_schema(schema: dict[str, Any]) -> None:
    schema["pattern"] = player_name_pattern()


class StartGameRequest(Request):
    player_name: str = Field(min_length=1, max_length=64, examples=["ada"], json_schema_extra=_name_schema)
    policy: PolicyName
    session_id: str | None = Field(
        None,
        min_length=1,
        max_length=128,
        pattern=ID_PATTERN,
        description="a session id an earlier /start_game returned (omit it to get a new session)",
    )
    is_test: bool = False

    @field_validator("player_name")
    @classmethod
    def _printable_name(cls, value: str) -> str:
        for char in value:
            if unicodedata.category(char) in REFUSED_CATEGORIES:
                raise ValueError(
                    "player_name must not contain control, format (e.g. bidi override) or private-use "
                    f"characters; found U+{ord(char):04X}"
                )
        if not value.strip():
            raise ValueError("player_name must contain a visible character")
        return value


class GameSummary(GameDetailBase):
    """A game (the read model's public fields, from the game's own events) and its round to play."""

    model_alias: str
    round_no: int = Field(description="the next round to play (1)")
    round_points: RoundPoints
    target_points: float
    max_rounds: int = Field(description="the round that ends a game nobody has won: higher score wins")
    bot_commitment: Sha256Hex | None = Field(
        description="sha256 of `{game_id}:{round_no}:{bot_move}:{nonce}` for the round to play "
        "(null once the game is finished)"
    )


class StartGameResponse(GameSummary):
    session_id: str = Field(description="the session's secret id: send it with the next /start_game")


class PlayRequest(Request):
    game_id: str = Field(min_length=1, max_length=128, pattern=ID_PATTERN)
    round_no: int | None = Field(None, ge=1, le=MAX_ROUNDS, description="makes a retried request idempotent")
    user_move: Move


class PlayResponse(BaseModel):
    game_id: str
    round_no: int
    user_move: Move
    bot_move: Move
    result: ResultName = Field(description="from the player's side")
    user_delta: float
    bot_delta: float
    user_score: float
    bot_score: float
    finished: bool
    winner: WinnerName | None
    next_round_no: int | None
    next_round_points: RoundPoints | None
    bot_source: BotSource
    model_alias: str
    model_version: str | None
    nonce: NonceHex | None = Field(description="opens this round's commitment (null before sealed moves)")
    bot_commitment: Sha256Hex | None = Field(description="the next round's commitment (null when finished)")


class AliasPrediction(BaseModel):
    model_version: str | int | None = None
    probabilities: RoundPoints | dict[str, float]
    source: str | None = None


class RoundView(BaseModel):
    round_no: int
    user_move: Move
    bot_move: Move
    result: ResultName
    user_delta: float
    bot_delta: float
    user_score: float
    bot_score: float
    points: RoundPoints
    bot_source: BotSource
    model_version: str | None
    predictions: dict[str, AliasPrediction] = Field(description="every alias that answered, by alias")
    nonce: NonceHex | None
    bot_commitment: Sha256Hex | None = Field(description="the commitment shown before this round")


class GameView(GameSummary):
    next_round_no: int | None
    next_round_points: RoundPoints | None
    rounds: list[RoundView]


class FeatureRow(BaseModel):
    round_no: int
    features: list[float] = Field(min_length=FEATURE_COUNT, max_length=FEATURE_COUNT)


class GameFeatures(BaseModel):
    feature_names: list[str]
    rounds: list[FeatureRow]


class Counts(BaseModel):
    win: int
    lose: int
    draw: int


class MoveCounts(BaseModel):
    rock: int
    paper: int
    scissors: int


class GameStats(GameBase):
    """A `games` row's public fields, with its rounds counted by result and by the player's move."""

    results: Counts
    user_moves: MoveCounts


class SessionGame(GameBase):
    """A game of the session: its `games` row's public fields."""


class SessionStats(SessionBase):
    """A `sessions` row's public fields; its round counts as `results`, and its games."""

    results: Counts
    games: list[SessionGame]


class StatsResponse(BaseModel):
    game: GameStats | None = None
    session: SessionStats | None = None


class LeaderboardRow(PlayerBase):
    """A `players` row (the read model's public fields), ranked, with its win rate."""

    rank: int
    win_rate: float


class PolicyView(BaseModel):
    name: str
    family: str
    description: str
    window_days: int
    games: int = Field(description="finished non-test games in the window")
    bot_win_rate: float | None


class Health(BaseModel):
    status: str
    checks: dict[str, Any] = {}


class PromotionRow(LedgerBase):
    """A `ledger` row (the read model's public fields) with its JSON columns as objects."""

    time: datetime
    time_ms: int
    before: dict[str, Any]
    after: dict[str, Any]
    evidence_summary: str
    evidence: dict[str, Any]
