"""The drift gauges folded from a real event store: per family and alias, incremental, restartable."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from prometheus_client import CollectorRegistry

from services.worker.drift import CHECKPOINT, DriftCollector, DriftState
from services.worker.metrics import job_metrics_registry
from shared.events import (
    BotSource,
    Event,
    EventStore,
    GameFinished,
    GameStarted,
    ModelTrained,
    RoundPlayed,
    SealedMove,
    new_event,
)
from shared.features import MOVES, Alias, Move, Winner
from shared.features.drift import brier_score
from shared.features.scoring import ABANDONED_AFTER_S

FAMILY = "rps_bot_mnlogit"
POINTS = {Move.ROCK: 1.0, Move.PAPER: 1.5, Move.SCISSORS: 2.0}
SURE_ROCK = {Move.ROCK: 0.8, Move.PAPER: 0.1, Move.SCISSORS: 0.1}
UNSURE = {Move.ROCK: 0.4, Move.PAPER: 0.3, Move.SCISSORS: 0.3}


def seal(n: int) -> SealedMove:
    """Round `n`'s bot move: rounds 1-3 are openings, then Production (v1) serves, the 4th model
    round by fallback, and shadow1 (v2) predicts beside it."""
    source = BotSource.OPENING if n <= 3 else BotSource.FALLBACK if n == 7 else BotSource.MODEL
    served = source is BotSource.MODEL
    aliases = {Alias.PRODUCTION: "1", Alias.SHADOW1: "2"} if served else {}
    predictions = {"1": SURE_ROCK, "2": UNSURE} if served else {}
    return SealedMove(n, Move.PAPER, source, "1" if served else None, aliases, predictions)


def game(game_id: str, moves: list[Move], alias: str = "Production", is_test: bool = False) -> list[Event]:
    """A game whose player plays `moves`, each round's bot move sealed in the event before it (`seal`)."""
    started = GameStarted(
        game_id, "ada", "s", "logan", FAMILY, alias, "razor", is_test, False, "5e" * 16, seal(1)
    )
    events = [new_event(game_id, 1, started)]
    for n, move in enumerate(moves, start=1):
        payload = RoundPlayed(
            round_no=n,
            user_move=move,
            bot_move=Move.PAPER,
            user_score=0.0,
            bot_score=0.0,
            points=POINTS,
            latency_ms=1.0,
            next_seal=seal(n + 1) if n < len(moves) else None,
        )
        events.append(new_event(game_id, n + 1, payload))
    finished = GameFinished(Winner.BOT, 0.0, 10.0, len(moves), FAMILY, alias, "1")
    events.append(new_event(game_id, len(moves) + 2, finished))
    return events


def trained(version: int, brier: float, ece: float) -> ModelTrained:
    metrics = {"holdout_accuracy": 0.5, "holdout_brier_score": brier, "holdout_ece": ece}
    return ModelTrained(FAMILY, version, "run", metrics, {"passed": True}, 300, 30, 7, 0, 1.0)


def samples(collector: DriftCollector) -> dict[tuple[str, str], float]:
    return {
        (metric.name, sample.labels["alias"]): sample.value
        for metric in collector.collect()
        for sample in metric.samples
    }


@pytest.fixture
def store(tmp_path: Path) -> Iterable[EventStore]:
    store = EventStore.from_url(f"sqlite:///{tmp_path / 'rps.db'}")
    yield store
    store.close()


def test_gauges_per_alias_from_the_rounds_and_the_versions_holdout(store: EventStore) -> None:
    store.append_next(FAMILY, trained(1, brier=0.30, ece=0.05))
    rocks = [Move.ROCK] * 8
    store.append(game("g1", rocks))
    store.append(game("g2", rocks, is_test=True))  # left out
    got = samples(DriftCollector(store))
    # model rounds 4..8: Production predicted in 4 of them (round 7 fell back), shadow1 beside it
    assert got[("rps_drift_calibration_rounds", "Production")] == 4
    assert got[("rps_drift_brier_score", "Production")] == pytest.approx(
        brier_score([[0.8, 0.1, 0.1]] * 4, [0] * 4)
    )
    assert got[("rps_drift_brier_score", "shadow1")] == pytest.approx(brier_score([[0.4, 0.3, 0.3]], [0]))
    assert got[("rps_drift_expected_calibration_error", "Production")] == pytest.approx(0.2)
    assert got[("rps_drift_holdout_brier_score", "Production")] == 0.30  # version 1's
    assert ("rps_drift_holdout_brier_score", "shadow1") not in got  # version 2 never trained here
    assert got[("rps_drift_player_rounds", "Production")] == 5
    assert got[("rps_drift_fallback_share", "Production")] == pytest.approx(1 / 5)
    assert got[("rps_drift_move_entropy_bits", "Production")] == 0.0  # always rock
    assert got[("rps_drift_conditional_move_entropy_bits", "Production")] == 0.0
    assert ("rps_drift_player_rounds", "shadow1") not in got  # shadows serve no games


def test_each_scrape_reads_only_new_events_and_a_restart_resumes_from_the_checkpoint(
    store: EventStore,
) -> None:
    read: list[int] = []
    collector = DriftCollector(store)
    original = collector.read_events

    def counted(after: int, until: int) -> Iterable[Event]:
        events = list(original(after, until))
        read.append(len(events))
        return events

    collector.read_events = counted
    cycle = [Move.ROCK, Move.PAPER, Move.SCISSORS] * 3
    store.append(game("g1", cycle))
    samples(collector)
    samples(collector)  # nothing new: nothing read
    store.append(game("g2", cycle))
    got = samples(collector)
    assert read == [11, 11]
    assert store.checkpoints.load(CHECKPOINT).position == store.head_position()
    # a cycling player: every move equally often, yet each fully given the previous one
    assert got[("rps_drift_move_entropy_bits", "Production")] == pytest.approx(1.585, abs=0.01)
    assert got[("rps_drift_conditional_move_entropy_bits", "Production")] == 0.0

    restarted = DriftCollector(store)
    restarted.read_events = lambda after, until: pytest.fail("a restart re-read the log")
    assert samples(restarted) == got


def test_the_worker_serves_the_drift_gauges(store: EventStore) -> None:
    store.append(game("g1", [MOVES[i % 3] for i in range(9)]))
    registry: CollectorRegistry = job_metrics_registry(store)
    value = registry.get_sample_value("rps_drift_player_rounds", {"family": FAMILY, "alias": "Production"})
    assert value == 6


def test_a_pending_seal_survives_a_restart_and_an_older_checkpoint_still_loads(store: EventStore) -> None:
    events = game("g1", [Move.ROCK] * 8)
    store.append(events[:6])  # rounds 1-5: round 6's seal is in round 5's event
    samples(DriftCollector(store))
    store.append(events[6:])
    assert samples(DriftCollector(store))[("rps_drift_calibration_rounds", "Production")] == 4

    # A checkpoint written before sealed rounds kept no seals: round 6 of "g2" is left out.
    store.append(game("g2", [Move.ROCK] * 8)[:6])
    collector = DriftCollector(store)
    samples(collector)
    saved = orjson.loads(collector.state.to_bytes())
    saved["games"] = {g: kept[:3] for g, kept in saved["games"].items()}
    state = DriftState.from_bytes(orjson.dumps(saved), collector.state.position)
    state.fold(game("g2", [Move.ROCK] * 8)[6:])
    assert len(state.calibration[(FAMILY, "Production")].rows) == 4 + 3  # rounds 4, 5, 8 of g2


def test_games_open_past_the_abandon_time_are_forgotten_and_their_rounds_not_counted() -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    abandoned = [
        dataclasses.replace(e, occurred_at=start) for e in game("gone", [Move.ROCK] * 8)[:5]
    ]  # rounds 1-4, then nothing: round 5's seal stays pending
    state = DriftState()
    state.fold(abandoned)
    assert set(state.games) == {"gone"}
    later = start + timedelta(seconds=ABANDONED_AFTER_S + 1)
    state.fold([dataclasses.replace(e, occurred_at=later) for e in game("next", [Move.ROCK] * 8)[:1]])
    assert set(state.games) == {"next"}
    restored = DriftState.from_bytes(state.to_bytes(), state.position)
    assert restored.games["next"].started_at == later.timestamp()
    rounds = len(state.calibration[(FAMILY, "Production")].rows)
    state.fold(game("gone", [Move.ROCK] * 8)[5:])  # the abandoned game's late rounds
    assert len(state.calibration[(FAMILY, "Production")].rows) == rounds
