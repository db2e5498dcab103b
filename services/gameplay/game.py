"""A game's state folded from its events, and the events a command produces. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shared.events import BotSource, Event, GameFinished, GameStarted, RoundPlayed, new_event
from shared.features import (
    Move,
    RoundPoints,
    Winner,
    deterministic_round_points,
    extract_features_stateless,
    score_round,
)


@dataclass(slots=True)
class GameState:
    """What /play needs to know about one game, rebuilt from its events after a restart."""

    game_id: str
    player_name: str
    session_id: str
    policy: str
    family: str
    alias: str
    opening: str
    is_test: bool
    ab_enabled: bool
    last_seq: int = 1
    rounds: list[RoundPlayed] = field(default_factory=list)  # in order
    user_moves: list[Move] = field(default_factory=list)
    bot_moves: list[Move] = field(default_factory=list)
    points: list[RoundPoints] = field(default_factory=list)
    user_score: float = 0.0
    bot_score: float = 0.0
    winner: Winner | None = None
    model_version: str | None = None  # that served the last model round
    _next_points: RoundPoints | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def next_round_no(self) -> int:
        return len(self.rounds) + 1

    @property
    def finished(self) -> bool:
        return self.winner is not None

    def next_points(self) -> RoundPoints:
        """The next round's values (three sha256), kept until it is played: the /play answer that
        announces them and the /play that plays the round compute them once."""
        if self._next_points is None:
            self._next_points = deterministic_round_points(self.game_id, self.next_round_no)
        return self._next_points

    def features(self, next_points: RoundPoints) -> np.ndarray:
        """The 50 features of the next round, whose values are `next_points` (computed once per /play)."""
        return extract_features_stateless(self.user_moves, self.bot_moves, self.points, next_points)

    def apply(self, event: Event) -> None:
        p = event.payload
        if isinstance(p, RoundPlayed):
            self.rounds.append(p)
            self._next_points = None
            self.user_moves.append(p.user_move)
            self.bot_moves.append(p.bot_move)
            self.points.append(p.points)
            self.user_score, self.bot_score = p.user_score, p.bot_score
            if p.model_version is not None:
                self.model_version = p.model_version
        elif isinstance(p, GameFinished):
            self.winner = p.winner
        self.last_seq = event.seq


def fold(events: Iterable[Event]) -> GameState | None:
    """The state of a game from its events (None when it never started)."""
    state: GameState | None = None
    for event in events:
        p = event.payload
        if isinstance(p, GameStarted):
            state = GameState(
                game_id=event.aggregate_id,
                last_seq=event.seq,
                player_name=p.player_name,
                session_id=p.session_id,
                policy=p.policy,
                family=p.family,
                alias=p.alias,
                opening=p.opening,
                is_test=p.is_test,
                ab_enabled=p.ab_enabled,
            )
        elif state is not None:
            state.apply(event)
    return state


@dataclass(frozen=True, slots=True)
class BotChoice:
    move: Move
    source: BotSource
    model_version: str | None
    answers: Mapping[str, Mapping[str, Any]]  # inference's batch answer by alias


def round_events(
    state: GameState, user_move: Move, bot: BotChoice, points: RoundPoints, latency_ms: float
) -> list[Event]:
    """RoundPlayed for the next round (worth `points`), and GameFinished when it ends the game."""
    round_no = state.next_round_no
    outcome = score_round(user_move, bot.move, points, state.user_score, state.bot_score)
    payload = RoundPlayed.record(
        round_no,
        user_move,
        bot.move,
        points,
        outcome,
        bot_source=bot.source,
        model_version=bot.model_version,
        answers=bot.answers,
        latency_ms=latency_ms,
    )
    out = [new_event(state.game_id, state.last_seq + 1, payload)]
    if outcome.winner is not None:
        last_version = bot.model_version if bot.model_version is not None else state.model_version
        finished = GameFinished(
            winner=outcome.winner,
            user_score=outcome.user_score,
            bot_score=outcome.bot_score,
            rounds=round_no,
            family=state.family,
            alias=state.alias,
            model_version=last_version,
        )
        out.append(new_event(state.game_id, state.last_seq + 2, finished))
    return out
