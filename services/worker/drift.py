"""Drift gauges per family and alias, folded incrementally from the event log (docs/metrics.md, "Drift").

Over sliding windows of the most recent rounds (shared.features.drift): calibration of each alias's
served probabilities against the moves players made (Brier score, expected calibration error, and
the same figures of the version on its training holdout, from ModelTrained), players'
predictability in the games each alias served (entropy of their moves, and of a move given their
previous one) and the share of fallback rounds. A round's source and predictions are in its seal,
logged in the event before it (shared.events.revealed): each open game keeps its pending seal.
`DriftState.fold` is pure; `DriftCollector` reads the events after its checkpoint at each scrape
and saves state and position together, so a restart folds only what is new. Test games are left
out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from shared.events import (
    BotSource,
    Event,
    EventStore,
    EventType,
    GameFinished,
    GameStarted,
    ModelTrained,
    RoundPlayed,
    SealedMove,
    advance,
    revealed,
)
from shared.features import MOVES
from shared.features.drift import WINDOW_ROUNDS, CalibrationWindow, PlayerWindow
from shared.features.scoring import ABANDONED_AFTER_S

CHECKPOINT = "worker.drift"
EVENT_TYPES = (
    EventType.GAME_STARTED,
    EventType.ROUND_PLAYED,
    EventType.GAME_FINISHED,
    EventType.MODEL_TRAINED,
)
OPEN_GAMES_CAP = 50_000  # and however young, games never finished are forgotten oldest first past this many
Slot = tuple[str, str]  # (family, alias)


@dataclass(slots=True)
class OpenGame:
    family: str
    alias: str  # the serving alias, fixed for the game
    last_move: int = -1  # the player's move in the previous round
    seal: SealedMove | None = None  # the next round's: its source and predictions
    started_at: float = 0.0  # unix seconds: a game open ABANDONED_AFTER_S is forgotten


@dataclass(slots=True)
class DriftState:
    """Everything the gauges need, folded from events in append order."""

    window: int = WINDOW_ROUNDS
    position: int = 0
    games: dict[str, OpenGame] = field(default_factory=dict)
    calibration: dict[Slot, CalibrationWindow] = field(default_factory=dict)
    players: dict[Slot, PlayerWindow] = field(default_factory=dict)
    serving_version: dict[Slot, str] = field(
        default_factory=dict
    )  # the version each alias last answered with
    holdout: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)  # (family, version)

    def fold(self, events: Iterable[Event]) -> None:
        for event in events:
            self.position = max(self.position, event.position or 0)
            payload = event.payload
            if isinstance(payload, GameStarted):
                if not payload.is_test:
                    started_at = event.occurred_at.timestamp()
                    self.games[event.aggregate_id] = OpenGame(
                        payload.family, payload.alias, seal=payload.seal, started_at=started_at
                    )
                    self._forget_abandoned(started_at)
            elif isinstance(payload, RoundPlayed):
                game = self.games.get(event.aggregate_id)
                if game is not None:
                    self._round(game, payload)
            elif isinstance(payload, GameFinished):
                self.games.pop(event.aggregate_id, None)
            elif isinstance(payload, ModelTrained):
                brier, ece = payload.metrics.get("holdout_brier_score"), payload.metrics.get("holdout_ece")
                if brier is not None and ece is not None:
                    self.holdout[(payload.family, str(payload.version))] = (brier, ece)

    def _forget_abandoned(self, now: float) -> None:
        """Drop the oldest open games (the dict keeps start order) that are abandoned or past the cap."""
        while self.games:
            oldest_id, oldest = next(iter(self.games.items()))
            if now - oldest.started_at <= ABANDONED_AFTER_S and len(self.games) <= OPEN_GAMES_CAP:
                return
            del self.games[oldest_id]

    def _round(self, game: OpenGame, payload: RoundPlayed) -> None:
        move = MOVES.index(payload.user_move)
        bot, game.seal = revealed(payload, game.seal), payload.next_seal
        game.last_move, previous = move, game.last_move
        if bot is None:  # its seal was folded into a checkpoint that did not keep seals
            return
        if bot.bot_source is not BotSource.OPENING:
            slot = (game.family, game.alias)
            window = self.players.setdefault(slot, PlayerWindow(self.window))
            window.add(previous, move, bot.bot_source is BotSource.FALLBACK)
        for alias, (version, proba) in bot.predictions_by_alias().items():
            slot = (game.family, alias.value)
            self.calibration.setdefault(slot, CalibrationWindow(self.window)).add(
                [proba[m] for m in MOVES], move
            )
            self.serving_version[slot] = version

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            {
                "window": self.window,
                "games": {
                    g: [
                        o.family,
                        o.alias,
                        o.last_move,
                        None if o.seal is None else o.seal.to_state(),
                        o.started_at,
                    ]
                    for g, o in self.games.items()
                },
                "calibration": [[*slot, list(w.rows)] for slot, w in self.calibration.items()],
                "players": [[*slot, list(w.rows)] for slot, w in self.players.items()],
                "serving_version": [[*slot, v] for slot, v in self.serving_version.items()],
                "holdout": [[*key, *figures] for key, figures in self.holdout.items()],
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes, position: int) -> DriftState:
        """The state saved by `to_bytes` (an empty state for b"")."""
        state = cls(position=position)
        if not data:
            return state
        saved: dict[str, Any] = orjson.loads(data)
        state.window = int(saved["window"])
        # A checkpoint older than sealed rounds kept no seal: that game's next round is left out;
        # one older than start times dates its open games from now (forgotten if still open in 6 h).
        loaded_at = time.time()
        state.games = {
            g: OpenGame(f, a, int(m), _seal(kept), float(kept[1]) if len(kept) > 1 else loaded_at)
            for g, (f, a, m, *kept) in saved["games"].items()
        }
        for family, alias, rows in saved["calibration"]:
            window = state.calibration.setdefault((family, alias), CalibrationWindow(state.window))
            for r in rows:
                window.add(r[:3], int(r[3]))
        for family, alias, rows in saved["players"]:
            players = state.players.setdefault((family, alias), PlayerWindow(state.window))
            for previous, move, fallback in rows:
                players.add(int(previous), int(move), bool(fallback))
        state.serving_version = {(f, a): str(v) for f, a, v in saved["serving_version"]}
        state.holdout = {(f, str(v)): (float(b), float(e)) for f, v, b, e in saved["holdout"]}
        return state


def _seal(kept: list[Any]) -> SealedMove | None:
    return SealedMove.from_state(kept[0]) if kept and kept[0] is not None else None


LABELS = ["family", "alias"]


def drift_metrics(state: DriftState) -> list[GaugeMetricFamily]:
    """The rps_drift_* gauges of a state (a slot with no rounds yet has no sample)."""
    brier = GaugeMetricFamily(
        "rps_drift_brier_score",
        "Brier score of the alias's probabilities over its last rounds",
        labels=LABELS,
    )
    ece = GaugeMetricFamily(
        "rps_drift_expected_calibration_error",
        "Expected calibration error over the alias's last rounds",
        labels=LABELS,
    )
    holdout_brier = GaugeMetricFamily(
        "rps_drift_holdout_brier_score", "Brier score of the alias's version on its holdout", labels=LABELS
    )
    holdout_ece = GaugeMetricFamily(
        "rps_drift_holdout_expected_calibration_error",
        "Expected calibration error of the version on its holdout",
        labels=LABELS,
    )
    calibration_rounds = GaugeMetricFamily(
        "rps_drift_calibration_rounds", "Rounds in the alias's calibration window", labels=LABELS
    )
    entropy = GaugeMetricFamily(
        "rps_drift_move_entropy_bits",
        "Entropy of players' moves in the games the alias served",
        labels=LABELS,
    )
    conditional = GaugeMetricFamily(
        "rps_drift_conditional_move_entropy_bits",
        "Entropy of a player's move given their previous move",
        labels=LABELS,
    )
    fallback = GaugeMetricFamily(
        "rps_drift_fallback_share", "Share of the alias's model rounds played by the fallback", labels=LABELS
    )
    player_rounds = GaugeMetricFamily(
        "rps_drift_player_rounds", "Model rounds in the alias's player window", labels=LABELS
    )
    for (family, alias), window in sorted(state.calibration.items()):
        labels = [family, alias]
        brier.add_metric(labels, window.brier())
        ece.add_metric(labels, window.ece())
        calibration_rounds.add_metric(labels, float(len(window.rows)))
        figures = state.holdout.get((family, state.serving_version.get((family, alias), "")))
        if figures is not None:
            holdout_brier.add_metric(labels, figures[0])
            holdout_ece.add_metric(labels, figures[1])
    for (family, alias), players in sorted(state.players.items()):
        labels = [family, alias]
        entropy.add_metric(labels, players.move_entropy())
        conditional.add_metric(labels, players.conditional_entropy())
        fallback.add_metric(labels, players.fallback_share())
        player_rounds.add_metric(labels, float(len(players.rows)))
    return [
        brier,
        ece,
        holdout_brier,
        holdout_ece,
        calibration_rounds,
        entropy,
        conditional,
        fallback,
        player_rounds,
    ]


class DriftCollector(Collector):
    """Folds the events after its checkpoint at each scrape, saves the checkpoint, yields the gauges."""

    def __init__(self, store: EventStore, window: int = WINDOW_ROUNDS) -> None:
        self.store = store
        saved = store.checkpoints.load(CHECKPOINT)
        self.state = DriftState.from_bytes(saved.state, saved.position)
        if not saved.state:
            self.state.window = window
        self.read_events: Callable[[int, int], Iterable[Event]] = lambda after, until: store.iter_events(
            EVENT_TYPES, after_position=after, until_position=until
        )

    def describe(self) -> list[Metric]:
        return []  # samples come from the store at scrape time: nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        checkpoints = self.store.checkpoints
        self.state = advance(checkpoints, CHECKPOINT, self.state, self.read_events, DriftState.from_bytes)
        yield from drift_metrics(self.state)
