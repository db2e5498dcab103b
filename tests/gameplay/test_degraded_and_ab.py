"""Degraded mode when inference fails, and the A/B alias kept for the whole game across restarts."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from services.gameplay.app import create_app
from services.gameplay.settings import Settings
from shared.events import EventStore, EventType, revealed
from shared.features import fallback_move, select_alias
from tests.gameplay.conftest import SECRET, UNREACHABLE_URL, InferenceStandIn, play_to_end, start


def degraded(family: str, reason: str) -> float:
    value = REGISTRY.get_sample_value(
        "rps_gameplay_degraded_rounds_total", {"family": family, "reason": reason}
    )
    return value or 0.0


def test_unreachable_inference_degrades_to_the_fallback_move_and_counts_it(settings: Settings) -> None:
    settings = settings.model_copy(update={"inference_url": UNREACHABLE_URL})
    before = degraded("rps_bot_xgboost", "error")
    with TestClient(create_app(settings)) as client:
        game = start(client)
        answers = play_to_end(client, game["game_id"])
    model_rounds = answers[3:]
    assert {a["bot_source"] for a in model_rounds} == {"fallback"}
    assert [a["bot_move"] for a in model_rounds] == [
        fallback_move(SECRET.encode(), game["game_id"], a["round_no"]).value for a in model_rounds
    ]
    assert all(a["model_version"] is None for a in model_rounds)
    assert degraded("rps_bot_xgboost", "error") - before == len(model_rounds)


def test_slow_inference_times_out_into_degraded_mode(settings: Settings, inference: InferenceStandIn) -> None:
    inference.delay_s = 0.5
    settings = settings.model_copy(update={"inference_timeout_ms": 50})
    before = degraded("rps_bot_xgboost", "timeout")
    with TestClient(create_app(settings)) as client:
        game = start(client)
        answers = [
            client.post("/play", json={"game_id": game["game_id"], "user_move": "rock"}).json()
            for _ in range(4)
        ]
    assert answers[3]["bot_source"] == "fallback"
    # Rounds 4 and 5: the fourth answer also sealed round 5's move.
    assert degraded("rps_bot_xgboost", "timeout") - before == 2


def test_an_answer_without_the_games_alias_degrades_but_keeps_the_shadows(
    settings: Settings, inference: InferenceStandIn
) -> None:
    inference.aliases = ("shadow1", "shadow2")
    before = degraded("rps_bot_xgboost", "missing_alias")
    with TestClient(create_app(settings)) as client:
        game = start(client)
        for _ in range(4):
            last = client.post("/play", json={"game_id": game["game_id"], "user_move": "rock"}).json()
        store: EventStore = client.app.state.service.store
        third, fourth = (e.payload for e in store.read_aggregate(game["game_id"])[-2:])
    recorded = revealed(fourth, third.next_seal)
    assert last["bot_source"] == "fallback"
    assert recorded is not None and sorted(recorded.alias_versions) == ["shadow1", "shadow2"]
    assert degraded("rps_bot_xgboost", "missing_alias") - before == 2  # rounds 4 and 5 (sealed)


def test_ab_alias_is_reproducible_from_the_game_id_and_kept_across_a_restart(settings: Settings) -> None:
    ab = settings.model_copy(update={"enable_ab_testing": True, "ab_split": 0.5})
    with TestClient(create_app(ab)) as client:
        games = [start(client) for _ in range(16)]
        for game in games:
            assert game["model_alias"] == select_alias(game["game_id"], True, 0.5).value
        on_b = next(g for g in games if g["model_alias"] == "B")
        on_prod = next(g for g in games if g["model_alias"] == "Production")
        for game in (on_b, on_prod):
            for _ in range(2):
                client.post("/play", json={"game_id": game["game_id"], "user_move": "rock"})
        started = client.app.state.service.store.read_aggregate(on_b["game_id"])[0]
        assert started.type is EventType.GAME_STARTED
        assert (started.payload.alias, started.payload.ab_enabled) == ("B", True)

    # Restart with A/B switched off: running games keep their alias (the stand-in versions B as "2").
    with TestClient(create_app(settings)) as client:
        for game, alias, version in ((on_b, "B", "2"), (on_prod, "Production", "1")):
            assert client.get(f"/games/{game['game_id']}").json()["model_alias"] == alias
            answers = [
                client.post("/play", json={"game_id": game["game_id"], "user_move": "rock"}).json()
                for _ in range(2)
            ]
            assert (answers[-1]["round_no"], answers[-1]["model_alias"], answers[-1]["model_version"]) == (
                4,
                alias,
                version,
            )
        assert start(client)["model_alias"] == "Production"
