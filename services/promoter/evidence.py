"""Evidence per model version, folded from the event log. Pure: events in, records out.

Evidence is keyed by (family, version), never by alias slot, so a swap moves no record:
each version keeps the games it won and lost while serving and the rounds its
predictions were scored on, whatever slot it sat in at the time.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from services.promoter.stats import Tally
from shared.events import GameFinished, GameStarted, Payload, RoundPlayed
from shared.features import MOVES, Family, Move, Result, Winner, choose_move, round_result
from shared.features.families import SERVING_ALIASES
from shared.features.scoring import to_tenths


class EventLike(Protocol):
    """What the fold needs from a stored event."""

    @property
    def aggregate_id(self) -> str: ...
    @property
    def payload(self) -> Payload: ...
    @property
    def position(self) -> int | None: ...


@dataclass(slots=True)
class VersionEvidence:
    """Everything recorded about one model version."""

    family: Family
    version: int
    # Log positions where each finished game started, sorted: a tally since any position is two bisects.
    win_starts: list[int] = field(default_factory=list)
    loss_starts: list[int] = field(default_factory=list)
    rounds: int = 0
    correct: int = 0
    would_win: int = 0
    would_lose: int = 0
    would_draw: int = 0

    def add_game(self, started_at: int, bot_won: bool) -> None:
        """One finished game this version served, by the log position of its GameStarted."""
        insort(self.win_starts if bot_won else self.loss_starts, started_at)

    def game_tally(self, since: int = 0) -> Tally:
        """Games won/lost by the bot among those started after log position `since`."""
        wins = len(self.win_starts) - bisect_right(self.win_starts, since)
        losses = len(self.loss_starts) - bisect_right(self.loss_starts, since)
        return Tally(wins, losses)

    @property
    def round_tally(self) -> Tally:
        """Replayed rounds the policy would have won against lost (draws left out)."""
        return Tally(self.would_win, self.would_lose)

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.rounds if self.rounds else None

    def summary(self, since: int = 0, fresh_since: int = 0) -> dict[str, Any]:
        """A JSON-ready view for the ledger entry."""
        games, fresh = self.game_tally(since), self.game_tally(fresh_since)
        return {
            "version": self.version,
            "games_won": games.wins,
            "games_lost": games.losses,
            "game_win_rate": games.rate,
            "fresh_games": fresh.total,
            "rounds": self.rounds,
            "accuracy": self.accuracy,
            "would_win": self.would_win,
            "would_lose": self.would_lose,
            "would_draw": self.would_draw,
            "round_score": self.round_tally.posterior_mean,
        }


class Evidence:
    """Evidence of every (family, version) seen in the log, and the last position folded."""

    def __init__(self) -> None:
        self.versions: dict[tuple[Family, int], VersionEvidence] = {}
        self.last_position = 0

    def get(self, family: Family, version: int) -> VersionEvidence:
        """The record of a version; an empty one if the log never mentioned it."""
        return self.versions.get((family, version)) or VersionEvidence(family, version)

    def record_for(self, family: Family, version: int) -> VersionEvidence:
        key = (family, version)
        if key not in self.versions:
            self.versions[key] = VersionEvidence(family, version)
        return self.versions[key]


def predicted_move(probabilities: Mapping[Move, float]) -> Move:
    """The most probable player move; ties go to the earlier of rock, paper, scissors."""
    best = MOVES[0]
    for move in MOVES[1:]:
        if probabilities[move] > probabilities[best]:
            best = move
    return best


def _family(value: object) -> Family | None:
    try:
        return Family(str(value))
    except ValueError:
        return None


def _before(after: float, delta: float) -> float:
    # Scores are exact tenths: subtract in integers so the replay sees the recorded score.
    return (to_tenths(after) - to_tenths(delta)) / 10


class EvidenceFolder:
    """Folds events one at a time; keeps only what later events of the same game need."""

    def __init__(self) -> None:
        self.evidence = Evidence()
        # game id -> (start position, is_test, family): a RoundPlayed names neither of the last two
        self._starts: dict[str, tuple[int, bool, Family | None]] = {}

    def add(self, event: EventLike) -> None:
        payload, position = event.payload, event.position or 0  # stored events always have one
        self.evidence.last_position = max(self.evidence.last_position, position)
        if isinstance(payload, GameStarted):
            self._starts[event.aggregate_id] = (position, payload.is_test, _family(payload.family))
        elif isinstance(payload, RoundPlayed):
            self._add_round(event.aggregate_id, payload)
        elif isinstance(payload, GameFinished):
            self._add_game(event.aggregate_id, payload, position)

    def _add_round(self, game_id: str, payload: RoundPlayed) -> None:
        _, is_test, family = self._starts.get(game_id, (0, False, None))
        if family is None or is_test:
            return
        user_before = _before(payload.user_score, payload.user_delta)
        bot_before = _before(payload.bot_score, payload.bot_delta)
        # The payload holds each distinct version's prediction once: one version in two slots
        # is scored once per round.
        for version, probabilities in payload.predictions.items():
            record = self.evidence.record_for(family, int(version))
            self._score(
                record, probabilities, dict(payload.points), payload.user_move, user_before, bot_before
            )

    @staticmethod
    def _score(
        record: VersionEvidence,
        probabilities: Mapping[Move, float],
        points: dict[Move, float],
        user_move: Move,
        user_before: float,
        bot_before: float,
    ) -> None:
        probs = {move: float(probabilities[move]) for move in MOVES}
        record.rounds += 1
        record.correct += predicted_move(probs) is user_move
        bot_move = choose_move(probs, points, user_before, bot_before)
        result = round_result(user_move, bot_move)  # the player's side
        if result is Result.LOSE:
            record.would_win += 1
        elif result is Result.WIN:
            record.would_lose += 1
        else:
            record.would_draw += 1

    def _add_game(self, game_id: str, payload: GameFinished, position: int) -> None:
        started_at, is_test, _ = self._starts.pop(game_id, (position, False, None))
        family, version = _family(payload.family), payload.model_version
        if is_test or family is None or version is None or payload.alias not in SERVING_ALIASES:
            return
        won = payload.winner is Winner.BOT
        self.evidence.record_for(family, int(version)).add_game(started_at, won)


def collect_evidence(events: Iterable[EventLike]) -> Evidence:
    """Evidence of every version from a stream of events in log order."""
    folder = EvidenceFolder()
    for event in events:
        folder.add(event)
    return folder.evidence
