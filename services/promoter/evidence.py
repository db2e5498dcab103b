"""Evidence per model version and per pair of versions, folded incrementally from the log. Pure.

Every model round records the prediction of every alias, so each round replays every
predicting version's policy (`choose_move`) against the move the player actually made and the
round's values. A version's round score is the points its bot would have won minus the points
it would have lost. For each *pair* of versions that predicted the same round, the difference
of their scores is added to the game's running sum; when the game finishes, that sum is one
paired observation of the pair (a game, not a round, is the unit: rounds of one game share a
player and a score, games are close to independent). Live outcomes (which version served a
game, and whether the bot won) are kept per version and per pair (games served by either
version while both were predicting: a contemporaneous A/B).

A round's predictions are in its seal, logged in the event before it (shared.events.revealed):
each open game keeps its pending seal. Evidence is keyed by version, never by alias slot, so alias
moves touch no record; the whole state is JSON (`to_json` / `from_json`) and is saved with the
log position it covers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from services.promoter.stats import Sums, Tally
from shared.events import GameFinished, GameStarted, Payload, RoundPlayed, SealedMove, revealed
from shared.features import MOVES, Family, Move, Winner, choose_move, round_value
from shared.features.families import SERVING_ALIASES
from shared.features.scoring import ABANDONED_AFTER_S, to_tenths


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
    """What one version did: its replayed rounds and the games it served."""

    family: Family
    version: int
    rounds: int = 0
    correct: int = 0
    would_win: int = 0
    would_lose: int = 0
    would_draw: int = 0
    points: float = 0.0  # replayed points won minus lost, over `rounds`
    games_won: int = 0
    games_lost: int = 0

    @property
    def games(self) -> Tally:
        return Tally(self.games_won, self.games_lost)

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.rounds if self.rounds else None

    @property
    def points_per_round(self) -> float | None:
        return self.points / self.rounds if self.rounds else None

    def summary(self) -> dict[str, Any]:
        """A JSON-ready view for ledger entries and the status."""
        return {
            "version": self.version,
            "games_won": self.games_won,
            "games_lost": self.games_lost,
            "game_win_rate": self.games.rate,
            "rounds": self.rounds,
            "accuracy": self.accuracy,
            "would_win": self.would_win,
            "would_lose": self.would_lose,
            "would_draw": self.would_draw,
            "points_per_round": self.points_per_round,
        }


@dataclass(slots=True)
class PairEvidence:
    """Paired games of two versions of a family: `diffs` holds (points of `high` − points of `low`)."""

    family: Family
    low: int
    high: int
    diffs: Sums = field(default_factory=Sums)
    low_served: Tally = field(default_factory=Tally)  # games `low` served while `high` predicted
    high_served: Tally = field(default_factory=Tally)

    def oriented(self, challenger: int) -> tuple[Sums, Tally, Tally]:
        """(challenger − incumbent differences, challenger's live games, incumbent's live games)."""
        if challenger == self.high:
            return self.diffs, self.high_served, self.low_served
        return self.diffs.negated(), self.low_served, self.high_served


@dataclass(slots=True)
class OpenGame:
    """A game not finished yet: its running paired sums, kept until GameFinished."""

    started_at: float  # unix seconds, to drop games abandoned long ago
    is_test: bool
    family: Family | None  # a RoundPlayed names neither its family nor whether the game is a test
    sums: dict[tuple[int, int], float] = field(default_factory=dict)
    seal: SealedMove | None = None  # the next round's, whose predictions that round replays


class Evidence:
    """Evidence of every version and pair seen in the log, the open games, and the position folded."""

    def __init__(self) -> None:
        self.versions: dict[tuple[Family, int], VersionEvidence] = {}
        self.pairs: dict[tuple[Family, int, int], PairEvidence] = {}
        self.open_games: dict[str, OpenGame] = {}
        self.last_position = 0

    def get(self, family: Family, version: int) -> VersionEvidence:
        """The record of a version; an empty one if the log never mentioned it."""
        return self.versions.get((family, version)) or VersionEvidence(family, version)

    def pair(self, family: Family, a: int, b: int) -> PairEvidence:
        """The record of two versions (any order); an empty one if they never predicted together."""
        low, high = min(a, b), max(a, b)
        return self.pairs.get((family, low, high)) or PairEvidence(family, low, high)

    def record_for(self, family: Family, version: int) -> VersionEvidence:
        key = (family, version)
        if key not in self.versions:
            self.versions[key] = VersionEvidence(family, version)
        return self.versions[key]

    def pair_for(self, family: Family, low: int, high: int) -> PairEvidence:
        key = (family, low, high)
        if key not in self.pairs:
            self.pairs[key] = PairEvidence(family, low, high)
        return self.pairs[key]

    def drop_abandoned(self, now: float, ttl_s: float = ABANDONED_AFTER_S) -> int:
        """Forget games open for longer than `ttl_s`; returns how many."""
        stale = [g for g, game in self.open_games.items() if now - game.started_at > ttl_s]
        for game_id in stale:
            del self.open_games[game_id]
        return len(stale)

    def to_json(self) -> dict[str, Any]:
        return {
            "last_position": self.last_position,
            "versions": [
                [
                    v.family.value,
                    v.version,
                    v.rounds,
                    v.correct,
                    v.would_win,
                    v.would_lose,
                    v.would_draw,
                    v.points,
                    v.games_won,
                    v.games_lost,
                ]
                for v in self.versions.values()
            ],
            "pairs": [
                [
                    p.family.value,
                    p.low,
                    p.high,
                    p.diffs.n,
                    p.diffs.total,
                    p.diffs.squares,
                    p.low_served.wins,
                    p.low_served.losses,
                    p.high_served.wins,
                    p.high_served.losses,
                ]
                for p in self.pairs.values()
            ],
            "open_games": {
                game_id: [
                    g.started_at,
                    g.is_test,
                    None if g.family is None else g.family.value,
                    [[lo, hi, s] for (lo, hi), s in g.sums.items()],
                    None if g.seal is None else g.seal.to_state(),
                ]
                for game_id, g in self.open_games.items()
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Evidence:
        evidence = cls()
        evidence.last_position = int(data.get("last_position", 0))
        for fam, version, rounds, correct, win, lose, draw, points, won, lost in data.get("versions", []):
            record = VersionEvidence(
                Family(fam), version, rounds, correct, win, lose, draw, points, won, lost
            )
            evidence.versions[(record.family, version)] = record
        for fam, low, high, n, total, squares, lw, ll, hw, hl in data.get("pairs", []):
            pair = PairEvidence(Family(fam), low, high, Sums(n, total, squares), Tally(lw, ll), Tally(hw, hl))
            evidence.pairs[(pair.family, low, high)] = pair
        # A checkpoint older than sealed rounds kept no seal: that game's next round is not replayed.
        for game_id, (started_at, is_test, family, sums, *kept) in data.get("open_games", {}).items():
            evidence.open_games[game_id] = OpenGame(
                started_at,
                is_test,
                _family(family),
                {(lo, hi): s for lo, hi, s in sums},
                SealedMove.from_state(kept[0]) if kept and kept[0] is not None else None,
            )
        return evidence


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
    """Folds events one at a time into an `Evidence` (a new one, or one loaded from a checkpoint)."""

    def __init__(self, evidence: Evidence | None = None) -> None:
        self.evidence = evidence or Evidence()

    def add(self, event: EventLike, occurred_at: float = 0.0) -> None:
        """Fold one event; `occurred_at` (unix seconds) dates a game's start for `drop_abandoned`."""
        payload, position = event.payload, event.position or 0  # stored events always have one
        self.evidence.last_position = max(self.evidence.last_position, position)
        if isinstance(payload, GameStarted):
            game = OpenGame(occurred_at, payload.is_test, _family(payload.family), seal=payload.seal)
            self.evidence.open_games[event.aggregate_id] = game
        elif isinstance(payload, RoundPlayed):
            self._add_round(event.aggregate_id, payload)
        elif isinstance(payload, GameFinished):
            self._add_game(event.aggregate_id, payload)

    def _add_round(self, game_id: str, payload: RoundPlayed) -> None:
        game = self.evidence.open_games.get(game_id)
        if game is None or game.family is None or game.is_test:  # a start older than this reader: skip
            return
        bot, game.seal = revealed(payload, game.seal), payload.next_seal
        if bot is None:  # its seal was folded into a checkpoint that did not keep seals
            return
        user_before = _before(payload.user_score, payload.user_delta)
        bot_before = _before(payload.bot_score, payload.bot_delta)
        # The payload holds each distinct version's prediction once (fallback answers left out).
        scores: dict[int, float] = {}
        for version, probabilities in bot.predictions.items():
            record = self.evidence.record_for(game.family, int(version))
            scores[int(version)] = _replay(
                record, probabilities, dict(payload.points), payload.user_move, user_before, bot_before
            )
        versions = sorted(scores)
        for i, low in enumerate(versions):
            for high in versions[i + 1 :]:
                game.sums[(low, high)] = game.sums.get((low, high), 0.0) + scores[high] - scores[low]

    def _add_game(self, game_id: str, payload: GameFinished) -> None:
        game = self.evidence.open_games.pop(game_id, None)
        family = _family(payload.family)
        if family is None or game is None or game.is_test:
            return
        for (low, high), total in game.sums.items():
            pair = self.evidence.pair_for(family, low, high)
            pair.diffs = pair.diffs.add(total)
        if payload.model_version is None or payload.alias not in SERVING_ALIASES:
            return
        served, won = int(payload.model_version), payload.winner is Winner.BOT
        record = self.evidence.record_for(family, served)
        record.games_won += won
        record.games_lost += not won
        for low, high in game.sums:
            if served in (low, high):
                pair = self.evidence.pair_for(family, low, high)
                if served == low:
                    pair.low_served = Tally(pair.low_served.wins + won, pair.low_served.losses + (not won))
                else:
                    pair.high_served = Tally(pair.high_served.wins + won, pair.high_served.losses + (not won))


def _replay(
    record: VersionEvidence,
    probabilities: Mapping[Move, float],
    points: dict[Move, float],
    user_move: Move,
    user_before: float,
    bot_before: float,
) -> float:
    """Score the version's policy on the round; returns its points won minus points lost."""
    probs = {move: float(probabilities[move]) for move in MOVES}
    record.rounds += 1
    record.correct += predicted_move(probs) is user_move
    bot_move = choose_move(probs, points, user_before, bot_before)
    net = round_value(bot_move, user_move, points)  # the gate's replay definition too
    if net > 0:
        record.would_win += 1
    elif net < 0:
        record.would_lose += 1
    else:
        record.would_draw += 1
    record.points += net
    return net
