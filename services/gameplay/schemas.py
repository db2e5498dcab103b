"""Request and response shapes of the public API (they are the OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.read_models import LedgerBase, PlayerBase
from shared.features import FEATURE_COUNT, POLICIES, Move

PolicyName = StrEnum("PolicyName", {p.name: p.name for p in POLICIES})  # type: ignore[misc]
BotSource = Literal["opening", "model", "fallback"]
ResultName = Literal["win", "lose", "draw"]
WinnerName = Literal["user", "bot"]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RoundPoints(BaseModel):
    rock: float
    paper: float
    scissors: float


class StartGameRequest(Request):
    player_name: str = Field(min_length=1, max_length=64, pattern=r"\S", examples=["ada"])
    policy: PolicyName
    session_id: str | None = Field(None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")
    is_test: bool = False


class StartGameResponse(BaseModel):
    game_id: str
    session_id: str
    player_name: str
    policy: str
    family: str
    model_alias: str
    is_test: bool
    round_no: int = Field(description="the next round to play (1)")
    round_points: RoundPoints
    user_score: float
    bot_score: float
    target_points: float


class PlayRequest(Request):
    game_id: str = Field(min_length=1, max_length=128)
    round_no: int | None = Field(None, ge=1, le=10_000, description="makes a retried request idempotent")
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


class GameView(StartGameResponse):
    status: Literal["active", "finished"]
    winner: WinnerName | None
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


class GameStats(BaseModel):
    game_id: str
    status: str
    rounds_played: int
    user_score: float
    bot_score: float
    winner: WinnerName | None
    results: Counts
    user_moves: MoveCounts


class SessionGame(BaseModel):
    game_id: str
    policy: str
    status: str
    winner: WinnerName | None
    user_score: float
    bot_score: float
    rounds_played: int


class SessionStats(BaseModel):
    session_id: str
    player_name: str
    games_started: int
    games_finished: int
    games_won: int
    rounds_played: int
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
