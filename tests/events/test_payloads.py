"""Typed payloads: built, stored and read through their classes; older versions upcast."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from services.gameplay.game import fold
from shared.events import (
    AliasAction,
    AliasesChanged,
    BotSource,
    EventStore,
    GameFinished,
    ModelTrained,
    Payload,
    RoundPlayed,
    UnknownSchemaVersionError,
    decode_payload,
    new_event,
    revealed,
)
from shared.events.migrate import upgrade
from shared.events.records import dumps, loads
from shared.events.schema import events as events_table
from shared.features import Alias, Move, Result, Winner, deterministic_round_points, score_round
from tests.gameplay.events_factory import game_started, round_played, seal, whole_game

# A RoundPlayed exactly as schema_version 1 stored it (November 2026), two aliases on one version.
V1_ROUND = {
    "round_no": 4,
    "user_move": "rock",
    "bot_move": "paper",
    "result": "lose",
    "user_delta": 0.0,
    "bot_delta": 1.6,
    "user_score": 2.0,
    "bot_score": 4.1,
    "points": {"rock": 1.1, "paper": 1.6, "scissors": 1.5},
    "bot_source": "model",
    "family": "rps_bot_xgboost",
    "alias": "Production",
    "model_version": "3",
    "predictions": {
        "Production": {
            "model_version": "3",
            "probabilities": {"rock": 0.5123456789012345, "paper": 0.3, "scissors": 0.1876543210987655},
            "source": "cache",
        },
        "B": {
            "model_version": "3",
            "probabilities": {"rock": 0.5123456789012345, "paper": 0.3, "scissors": 0.1876543210987655},
            "source": "cache",
        },
        "shadow1": {"model_version": 2, "probabilities": {"rock": 0.2, "paper": 0.2, "scissors": 0.6}},
        "shadow2": {
            "model_version": None,
            "probabilities": {"rock": 0.4, "paper": 0.3, "scissors": 0.3},
            "source": "fallback",
        },
    },
    "latency_ms": 2.345,
}


def model_round() -> RoundPlayed:
    points = deterministic_round_points("g1", 4)
    outcome = score_round(Move.ROCK, Move.PAPER, points, 0.0, 0.0)
    answers = {
        alias: {
            "model_version": version,
            "probabilities": {"rock": 0.61234, "paper": 0.2, "scissors": 0.18766},
            "source": "cache",
        }
        for alias, version in (("Production", "7"), ("B", "7"), ("shadow1", "8"), ("shadow2", "9"))
    }
    return RoundPlayed.record(
        4,
        Move.ROCK,
        Move.PAPER,
        points,
        outcome,
        bot_source=BotSource.MODEL,
        model_version="7",
        answers=answers,
        latency_ms=1.23456,
    )


def test_a_round_keeps_one_rounded_prediction_per_distinct_version() -> None:
    played = model_round()
    bot = played.unsealed  # no seal was logged before it: the round holds its own record
    assert bot is not None and revealed(played, None) is bot
    assert dict(bot.alias_versions) == {
        Alias.PRODUCTION: "7",
        Alias.B: "7",
        Alias.SHADOW1: "8",
        Alias.SHADOW2: "9",
    }
    assert sorted(bot.predictions) == ["7", "8", "9"]
    assert bot.predictions["7"] == {Move.ROCK: 0.612, Move.PAPER: 0.2, Move.SCISSORS: 0.188}
    assert bot.predictions_by_alias()[Alias.B] == ("7", bot.predictions["7"])
    assert played.latency_ms == 1.23
    assert (played.result, played.user_delta) == (Result.LOSE, 0.0)
    assert played.bot_delta == played.points[Move.PAPER]


@pytest.mark.parametrize(
    "payload",
    [
        model_round(),
        round_played("g1", 2, 1).payload,
        game_started("g1").payload,
        GameFinished(Winner.BOT, 2.0, 10.4, 9, "rps_bot_xgboost", "B", "7"),
        ModelTrained(
            "rps_bot_lightgbm",
            4,
            "run",
            {"holdout_accuracy": 0.41},
            {"passed": True},
            900,
            60,
            30,
            1234,
            12.5,
        ),
        AliasesChanged.between(
            "rps_bot_xgboost",
            AliasAction.PROMOTE,
            before={Alias.PRODUCTION: 1, Alias.B: 2},
            after={Alias.PRODUCTION: 2, Alias.B: 1},
            evidence={"posterior": 0.97},
            reason="B is better",
        ),
    ],
    ids=lambda p: type(p).__name__,
)
def test_every_payload_reads_back_equal_from_its_json(payload: Payload) -> None:
    stored = dumps(payload.to_json())
    assert decode_payload(payload.TYPE.value, payload.VERSION, loads(stored)) == payload


def store_round_as_written(store: EventStore, version: int, payload: dict[str, Any], at: datetime) -> None:
    """Round 1 of game "g1" as the code of `schema_version` `version` wrote it (no upcasting)."""
    with store.engine.begin() as conn:
        conn.execute(
            events_table.insert().values(
                event_id=f"e-v{version}",
                aggregate_id="g1",
                seq=2,
                type="RoundPlayed",
                schema_version=version,
                occurred_at=at,
                payload=dumps(payload),
            )
        )


def test_a_stored_v1_round_is_upcast_when_read(sqlite_url: str) -> None:
    store = EventStore.from_url(sqlite_url)
    try:
        store.append([game_started("g1")])
        store_round_as_written(store, 1, V1_ROUND, datetime(2026, 11, 20, tzinfo=UTC))
        _, event = store.read_aggregate("g1")
    finally:
        store.close()
    played = event.payload
    assert isinstance(played, RoundPlayed) and event.schema_version == RoundPlayed.VERSION == 4
    assert (played.round_no, played.user_move, played.bot_move, played.result) == (
        4,
        Move.ROCK,
        Move.PAPER,
        Result.LOSE,
    )
    assert (played.user_score, played.bot_score, played.bot_delta) == (2.0, 4.1, 1.6)
    bot = played.unsealed
    assert bot is not None and bot.model_version == "3" and played.latency_ms == 2.345
    # Production and B shared version 3: one prediction; inference's fallback answer is no model's.
    assert dict(bot.alias_versions) == {Alias.PRODUCTION: "3", Alias.B: "3", Alias.SHADOW1: "2"}
    assert bot.predictions["3"] == {Move.ROCK: 0.512, Move.PAPER: 0.3, Move.SCISSORS: 0.188}
    state = fold([game_started("g1", seal_key=None, seal=None), event])
    assert state is not None and state.rounds == [played] and state.seals == [bot] and state.bot_score == 4.1


def test_migration_points_the_rounds_of_v1_events_at_them(sqlite_url: str) -> None:
    engine = sa.create_engine(sqlite_url)
    upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(
            events_table.insert().values(
                event_id="e-v1",
                aggregate_id="g1",
                seq=2,
                type="RoundPlayed",
                schema_version=1,
                occurred_at=datetime(2026, 11, 20, tzinfo=UTC),
                payload=dumps(V1_ROUND),
            )
        )
    upgrade(engine, "0004")  # 0006 drops the table again
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT game_id, round_no, position FROM rounds")).all() == [("g1", 4, 1)]
    engine.dispose()


# A RoundPlayed as schema_version 3 stored it (November 27, 2026): round 1 of a sealed game, its seal's
# record repeated, and round 2's seal in `nx`.
V3_ROUND = {
    "n": 1,
    "u": "rock",
    "b": "paper",
    "s": [0.0, 1.3],
    "p": [1.1, 1.3, 1.6],
    "src": "opening",
    "ms": 1.7,
    "nx": {
        "b": "scissors",
        "src": "model",
        "v": "7",
        "av": ["7", "8", None, "7"],
        "pr": {"7": [410, 330], "8": [200, 500]},
    },
}


def test_a_stored_v3_round_holds_its_own_record_and_the_next_v4_round_reads_its_seal(sqlite_url: str) -> None:
    store = EventStore.from_url(sqlite_url)
    try:
        store.append([game_started("g1")])
        store_round_as_written(store, 3, V3_ROUND, datetime(2026, 11, 27, tzinfo=UTC))
        _, first = store.read_aggregate("g1")
        assert isinstance(first.payload, RoundPlayed) and first.payload.next_seal is not None
        second = RoundPlayed(2, Move.ROCK, Move.SCISSORS, 0.0, 1.3, dict(first.payload.points), 2.0)
        store.append([new_event("g1", 3, second)])  # the game goes on under v4: sealed by round 1
        events = store.read_aggregate("g1")
    finally:
        store.close()
    one, two = events[1].payload, events[2].payload
    assert isinstance(one, RoundPlayed) and isinstance(two, RoundPlayed)
    assert one.unsealed is not None and one.unsealed.bot_source is BotSource.OPENING
    assert two.unsealed is None and revealed(two, one.next_seal) == one.next_seal
    state = fold(events)
    assert state is not None and [s.bot_source for s in state.seals] == [BotSource.OPENING, BotSource.MODEL]
    assert state.seals[1].predictions_by_alias()[Alias.SHADOW2] == ("7", state.seals[1].predictions["7"])
    assert state.model_version == "7"


def test_a_sealed_round_stores_none_of_its_seal_and_reads_it_from_the_seal() -> None:
    played = round_played("g1", 3, 2).payload
    assert isinstance(played, RoundPlayed)
    assert set(played.to_json()) == {"n", "u", "b", "s", "p", "ms", "nx"}
    assert revealed(played, seal(2)) == seal(2)
    assert revealed(played, seal(3)) is None and revealed(played, None) is None  # not its seal: unknown


def test_a_v2_round_reads_as_the_same_round() -> None:
    played = model_round()
    v3 = played.to_json()
    long_keys = {"n": "round", "u": "user", "b": "bot", "s": "score", "p": "points", "src": "source"}
    long_keys |= {"ms": "latency_ms", "v": "version", "av": "versions", "pr": "predictions"}
    v2 = {long_keys[key]: value for key, value in v3.items()}
    assert played.unsealed is not None
    v2["predictions"] = {
        v: [p[m] for m in (Move.ROCK, Move.PAPER, Move.SCISSORS)]
        for v, p in played.unsealed.predictions.items()
    }
    assert decode_payload("RoundPlayed", 2, v2) == played


def test_a_version_without_upcaster_is_refused() -> None:
    with pytest.raises(UnknownSchemaVersionError, match="RoundPlayed schema_version 7"):
        decode_payload("RoundPlayed", 7, {})


def test_projections_rebuilt_from_v1_and_v2_events_match(sqlite_url: str) -> None:
    store = EventStore.from_url(sqlite_url)
    try:
        store.append(whole_game("g2", rounds=5))
        live = store.queries.projection_snapshot()
        assert store.rebuild_projections() == 7
        assert store.queries.projection_snapshot() == live
        assert [r.round_no for r in store.queries.rounds("g2")] == [1, 2, 3, 4, 5]
    finally:
        store.close()
