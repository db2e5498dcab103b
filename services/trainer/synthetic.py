"""Generated games with a learnable player, for tests and benchmarks (never for production data)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from shared.events import BotSource, Event, EventStore, GameFinished, GameStarted, RoundPlayed, new_event
from shared.features import (
    MOVES,
    POLICY_BY_FAMILY,
    Family,
    GameRounds,
    Move,
    RoundOutcome,
    RoundPoints,
    beater_of,
    choose_opening,
    deterministic_round_points,
    is_opening_round,
    opening_move,
    ranked_moves,
    score_round,
)

SYNTHETIC_SECRET = b"synthetic"  # the GAME_SECRET these generated games draw their openings with


@dataclass(slots=True)
class SyntheticGame:
    game_id: str
    started_at: datetime
    user_moves: list[Move] = field(default_factory=list)
    bot_moves: list[Move] = field(default_factory=list)
    points: list[RoundPoints] = field(default_factory=list)
    outcomes: list[RoundOutcome] = field(default_factory=list)

    def rounds(self) -> GameRounds:
        return GameRounds.from_rounds(self.user_moves, self.bot_moves, self.points)

    def __len__(self) -> int:
        return len(self.user_moves)


def _player_move(rng: np.random.Generator, game: SyntheticGame, points: RoundPoints, habit: float) -> Move:
    """A player with habits: often the move that beats their last one, or the round's best-valued move."""
    draw = rng.random()
    if game.user_moves and draw < habit:
        return beater_of(game.user_moves[-1])
    if draw < habit * 1.5:
        return ranked_moves(points)[0]
    return MOVES[int(rng.integers(3))]


def generate_games(
    n_games: int,
    seed: int = 0,
    habit: float = 0.45,
    start: datetime | None = None,
    spacing: timedelta = timedelta(minutes=1),
) -> Iterator[SyntheticGame]:
    """`n_games` complete games (to 10 points), started `spacing` apart from `start`; bot plays randomly."""
    rng = np.random.default_rng(seed)
    start = start or datetime(2026, 11, 1, tzinfo=UTC)
    for i in range(n_games):
        game_id = str(uuid.UUID(int=int(rng.integers(2**63)) << 64 | i, version=4))
        game = SyntheticGame(game_id=game_id, started_at=start + i * spacing)
        opening = choose_opening(SYNTHETIC_SECRET, game_id)
        user_score = bot_score = 0.0
        round_no = 1
        while True:
            points = deterministic_round_points(game_id, round_no)
            bot = (
                opening_move(opening, game_id, round_no)
                if is_opening_round(round_no)
                else MOVES[int(rng.integers(3))]
            )
            user = _player_move(rng, game, points, habit)
            outcome = score_round(user, bot, points, user_score, bot_score)
            game.user_moves.append(user)
            game.bot_moves.append(bot)
            game.points.append(points)
            game.outcomes.append(outcome)
            user_score, bot_score = outcome.user_score, outcome.bot_score
            if outcome.finished:
                break
            round_no += 1
        yield game


def games_for_rounds(n_rounds: int, seed: int = 0, min_round: int = 4) -> list[SyntheticGame]:
    """Enough games for about `n_rounds` training rows (rounds >= min_round)."""
    games: list[SyntheticGame] = []
    rows = 0
    for game in generate_games(10**9, seed=seed):
        games.append(game)
        rows += max(0, len(game) - min_round + 1)
        if rows >= n_rounds:
            return games
    return games


def game_events(game: SyntheticGame, is_test: bool = False) -> list[Event]:
    """The GameStarted, RoundPlayed… and GameFinished events gameplay would have appended."""
    family = Family.XGBOOST
    started = GameStarted(
        game_id=game.game_id,
        player_name="synthetic",
        session_id=f"session-{game.game_id[:8]}",
        policy=POLICY_BY_FAMILY[family].name,
        family=family.value,
        alias="Production",
        opening=choose_opening(SYNTHETIC_SECRET, game.game_id).name,
        is_test=is_test,
        ab_enabled=False,
    )
    events = [new_event(game.game_id, 1, started, occurred_at=game.started_at)]
    for i, (user, bot, points, outcome) in enumerate(
        zip(game.user_moves, game.bot_moves, game.points, game.outcomes, strict=True)
    ):
        round_no = i + 1
        payload = RoundPlayed.record(
            round_no,
            user,
            bot,
            points,
            outcome,
            bot_source=BotSource.OPENING if is_opening_round(round_no) else BotSource.FALLBACK,
            model_version=None,
            answers={},
            latency_ms=1.0,
        )
        at = game.started_at + timedelta(seconds=round_no)
        events.append(new_event(game.game_id, round_no + 1, payload, occurred_at=at))
    last = game.outcomes[-1]
    assert last.winner is not None, "generate_games plays every game to its end"
    finished = GameFinished(
        winner=last.winner,
        user_score=last.user_score,
        bot_score=last.bot_score,
        rounds=len(game),
        family=family.value,
        alias="Production",
        model_version=None,
    )
    at = game.started_at + timedelta(seconds=len(game) + 1)
    events.append(new_event(game.game_id, len(game) + 2, finished, occurred_at=at))
    return events


def append_games(
    store: EventStore, games: list[SyntheticGame], is_test: bool = False, batch: int = 200
) -> None:
    """Append the games' events to the store, `batch` games per transaction."""
    for start in range(0, len(games), batch):
        store.append([e for g in games[start : start + batch] for e in game_events(g, is_test)])
