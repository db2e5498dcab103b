"""Game events as gameplay writes them (docs/architecture.md, "Events"), scored by the real core."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from shared.events import BotSource, Event, GameFinished, GameStarted, RoundPlayed, SealedMove, new_event
from shared.features import MOVES, Family, Move, Winner, beater_of, deterministic_round_points, score_round

Predictions = Mapping[str, Mapping[str, Any]]


def prediction(
    version: int | None, rock: float, paper: float, scissors: float, source: str = "cache"
) -> dict[str, Any]:
    return {
        "model_version": version,
        "probabilities": {"rock": rock, "paper": paper, "scissors": scissors},
        "source": source,
    }


@dataclass
class GameLog:
    """Builds one game's events; `positions` numbers them like the store's global order."""

    game_id: str
    family: Family
    alias: str
    version: int | None
    is_test: bool = False
    events: list[Event] = field(default_factory=list)
    user_score: float = 0.0
    bot_score: float = 0.0
    rounds: int = 0

    def start(self) -> GameLog:
        payload = GameStarted(
            game_id=self.game_id,
            player_name="p",
            session_id="s",
            policy="forrest",
            family=self.family.value,
            alias=self.alias,
            opening="toolbox",
            is_test=self.is_test,
            ab_enabled=True,
        )
        self.events.append(new_event(self.game_id, 1, payload))
        return self

    def round(self, user: Move, bot: Move, predictions: Predictions | None = None) -> GameLog:
        """The next round, its bot move and `predictions` sealed in the event before it."""
        self.rounds += 1
        points = deterministic_round_points(self.game_id, self.rounds)
        outcome = score_round(user, bot, points, self.user_score, self.bot_score)
        self.user_score, self.bot_score = outcome.user_score, outcome.bot_score
        seal = SealedMove.record(
            self.rounds,
            bot,
            bot_source=BotSource.MODEL if predictions else BotSource.OPENING,
            model_version=None if self.version is None else str(self.version),
            answers=predictions or {},
        )
        self._seal_in_last_event(seal)
        payload = RoundPlayed.revealing(seal, user, points, outcome, latency_ms=1.0, next_seal=None)
        self.events.append(new_event(self.game_id, len(self.events) + 1, payload))
        return self

    def _seal_in_last_event(self, seal: SealedMove) -> None:
        """Gameplay logs a round's seal with the event before it: GameStarted or the previous round."""
        last = self.events[-1]
        if isinstance(last.payload, GameStarted):
            payload: GameStarted | RoundPlayed = replace(last.payload, seal_key="5e" * 16, seal=seal)
        else:
            assert isinstance(last.payload, RoundPlayed)
            payload = replace(last.payload, next_seal=seal)
        self.events[-1] = replace(last, payload=payload)

    def finish(self, winner: str) -> GameLog:
        payload = GameFinished(
            winner=Winner(winner),
            user_score=self.user_score,
            bot_score=self.bot_score,
            rounds=self.rounds,
            family=self.family.value,
            alias=self.alias,
            model_version=None if self.version is None else str(self.version),
        )
        self.events.append(new_event(self.game_id, len(self.events) + 1, payload))
        return self


def positioned(games: Sequence[GameLog], start: int = 0) -> list[Event]:
    """Every game's events one game after another, with positions start+1, start+2, ..."""
    events = [e for g in games for e in g.events]
    return [e.with_position(start + i) for i, e in enumerate(events, start=1)]


def finished_game(
    game_id: str, family: Family, alias: str, version: int | None, winner: str, is_test: bool = False
) -> GameLog:
    """A short game (one round) with the given winner, enough for game-level evidence."""
    return GameLog(game_id, family, alias, version, is_test).start().finish(winner)


def paired_game(
    game_id: str,
    family: Family,
    served: str,
    versions: Mapping[str, int],
    better: int | None,
    winner: str = "bot",
    rounds: int = 6,
) -> GameLog:
    """A finished game in which every alias of `versions` predicted every round: the version `better`
    predicts the player's move (its policy would win the round), every other one the move that
    beats it (its policy would lose). With `better` None all predict alike (no difference)."""
    game = GameLog(game_id, family, served, versions[served]).start()
    for r in range(rounds):
        user = MOVES[(len(game_id) + r) % 3]
        right = [0.9 if m is user else 0.05 for m in MOVES]
        wrong = [0.9 if m is beater_of(user) else 0.05 for m in MOVES]
        preds = {}
        for alias, version in versions.items():
            p = right if better is None or version == better else wrong
            preds[alias] = prediction(version, p[0], p[1], p[2])
        game.round(user, MOVES[r % 3], preds)
    return game.finish(winner)
