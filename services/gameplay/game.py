"""A game's state folded from its events, and the events a command produces. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shared.events import (
    BotSource,
    Event,
    GameFinished,
    GameStarted,
    RoundPlayed,
    SealedMove,
    new_event,
    revealed,
)
from shared.features import (
    Move,
    RoundOutcome,
    RoundPoints,
    Winner,
    commitment,
    deterministic_round_points,
    extract_features_stateless,
    round_nonce,
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
    # What decided each round's bot move: its seal (the round's own record in games before sealed moves).
    seals: list[SealedMove] = field(default_factory=list)
    user_moves: list[Move] = field(default_factory=list)
    bot_moves: list[Move] = field(default_factory=list)
    points: list[RoundPoints] = field(default_factory=list)
    user_score: float = 0.0
    bot_score: float = 0.0
    winner: Winner | None = None
    model_version: str | None = None  # that served the last model round
    seal_key: str | None = None  # every round's nonce derives from it (None in games before sealed moves)
    seal: SealedMove | None = None  # the next round's sealed bot move (None once finished)
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

    def features_after(
        self, user_move: Move, bot_move: Move, points: RoundPoints, next_points: RoundPoints
    ) -> np.ndarray:
        """The 50 features of the round after the next one, as if the next one went as given."""
        return extract_features_stateless(
            [*self.user_moves, user_move], [*self.bot_moves, bot_move], [*self.points, points], next_points
        )

    def nonce(self, round_no: int) -> str | None:
        """The nonce that opens round `round_no`'s seal (None in games before sealed moves)."""
        return None if self.seal_key is None else round_nonce(self.seal_key, round_no)

    def sealed(self, round_no: int, bot_move: Move) -> str | None:
        """The commitment to `bot_move` in round `round_no`: sha256 of game id, round, move and nonce."""
        nonce = self.nonce(round_no)
        return None if nonce is None else commitment(self.game_id, round_no, bot_move, nonce)

    def commitment(self) -> str | None:
        """The seal shown for the next round (None once finished)."""
        seal = self.seal
        return None if seal is None else self.sealed(seal.round_no, seal.bot_move)

    def apply(self, event: Event) -> None:
        p = event.payload
        if isinstance(p, RoundPlayed):
            bot = revealed(p, self.seal)
            assert bot is not None, "a game's state is folded from its start: it holds every seal"
            self.rounds.append(p)
            self.seals.append(bot)
            self._next_points = None
            self.user_moves.append(p.user_move)
            self.bot_moves.append(p.bot_move)
            self.points.append(p.points)
            self.user_score, self.bot_score = p.user_score, p.bot_score
            if bot.model_version is not None:
                self.model_version = bot.model_version
            self.seal = p.next_seal
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
                seal_key=p.seal_key,
                seal=p.seal,
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


def sealed(round_no: int, bot: BotChoice) -> SealedMove:
    """`bot`'s decision for `round_no`, to be logged before its commitment is shown."""
    return SealedMove.record(
        round_no, bot.move, bot_source=bot.source, model_version=bot.model_version, answers=bot.answers
    )


def round_events(
    state: GameState,
    user_move: Move,
    seal: SealedMove,
    points: RoundPoints,
    outcome: RoundOutcome,
    latency_ms: float,
    next_seal: SealedMove | None,
) -> list[Event]:
    """RoundPlayed for the next round (worth `points`, its bot move fixed by `seal`, scored as
    `outcome`) carrying the following round's seal, and GameFinished when it ends the game. The
    round holds `seal` only when it is not the one logged before (games before sealed moves)."""
    round_no = state.next_round_no
    payload = RoundPlayed.revealing(
        seal,
        user_move,
        points,
        outcome,
        latency_ms=latency_ms,
        next_seal=next_seal,
        logged=seal is state.seal,
    )
    out = [new_event(state.game_id, state.last_seq + 1, payload)]
    if outcome.winner is not None:
        last_version = seal.model_version if seal.model_version is not None else state.model_version
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
