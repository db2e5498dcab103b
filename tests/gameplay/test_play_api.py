"""The public game API: starting, playing, reading back, and every bad input of the issue."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from services.gameplay.app import create_app
from services.gameplay.settings import Settings
from shared.events import EventStore, EventType, revealed
from shared.features import (
    FEATURE_NAMES,
    Alias,
    Move,
    choose_move,
    deterministic_round_points,
    extract_features_stateless,
)
from tests.gameplay.conftest import InferenceStandIn, LiveServer, play_to_end, start

REQUESTS = "rps_gameplay_http_requests_total"
STARTS_4XX = {"route": "/start_game", "method": "POST", "status": "4xx"}


def events_of(client: TestClient, game_id: str) -> list:
    store: EventStore = client.app.state.service.store
    return store.read_aggregate(game_id)


def test_start_game_answers_the_first_round(client: TestClient) -> None:
    game = start(client, policy="lily")
    assert game["policy"] == "lily" and game["family"] == "rps_bot_lightgbm"
    assert game["model_alias"] == "Production"
    assert (game["round_no"], game["user_score"], game["bot_score"], game["target_points"]) == (
        1,
        0.0,
        0.0,
        10.0,
    )
    points = deterministic_round_points(game["game_id"], 1)
    assert game["round_points"] == {m.value: v for m, v in points.items()}
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", game["session_id"])  # issued by the server, unguessable
    assert re.fullmatch(r"[0-9a-f]{64}", game["bot_commitment"])
    again = start(client, session_id=game["session_id"])
    assert again["session_id"] == game["session_id"]
    started = events_of(client, game["game_id"])[0]
    assert started.type is EventType.GAME_STARTED and started.payload.alias == "Production"


def test_a_whole_game_is_played_to_the_end(client: TestClient) -> None:
    game = start(client)
    answers = play_to_end(client, game["game_id"])
    assert [a["round_no"] for a in answers] == list(range(1, len(answers) + 1))
    assert [a["bot_source"] for a in answers[:3]] == ["opening"] * 3
    assert {a["bot_source"] for a in answers[3:]} == {"model"}
    last = answers[-1]
    assert last["finished"] and last["winner"] in ("user", "bot")
    assert last["next_round_no"] is None and last["next_round_points"] is None
    assert max(last["user_score"], last["bot_score"]) >= 10.0
    types = [e.type for e in events_of(client, game["game_id"])]
    assert types == [EventType.GAME_STARTED] + [EventType.ROUND_PLAYED] * len(answers) + [
        EventType.GAME_FINISHED
    ]


def test_a_model_round_asks_for_every_alias_and_plays_the_serving_one(
    client: TestClient, inference: InferenceStandIn
) -> None:
    game = start(client)
    gid = game["game_id"]
    answers = [
        client.post("/play", json={"game_id": gid, "user_move": m}).json() for m in ("rock", "paper", "rock")
    ]
    # Round 4's move was decided (and sealed) while answering round 3: one call, after round 3.
    assert len(inference.calls) == 1
    sent = inference.calls[-1]
    fourth = client.post("/play", json={"game_id": gid, "user_move": "scissors"}).json()
    moves = [Move(a["user_move"]) for a in answers]
    bots = [Move(a["bot_move"]) for a in answers]
    history = [deterministic_round_points(gid, r) for r in (1, 2, 3)]
    expected = extract_features_stateless(moves, bots, history, deterministic_round_points(gid, 4))
    assert sent["family"] == "rps_bot_xgboost" and sent["features"] == expected.tolist()
    probabilities = {Move(k): v for k, v in inference.probabilities.items()}
    assert fourth["bot_move"] == choose_move(
        probabilities, deterministic_round_points(gid, 4), answers[-1]["user_score"], answers[-1]["bot_score"]
    )
    assert (fourth["bot_source"], fourth["model_alias"], fourth["model_version"]) == (
        "model",
        "Production",
        "1",
    )
    third, recorded = (e.payload for e in events_of(client, gid)[-2:])
    bot = revealed(recorded, third.next_seal)  # round 4's seal, logged with round 3
    assert bot is not None and sorted(bot.alias_versions) == ["B", "Production", "shadow1", "shadow2"]
    version, probabilities = bot.predictions_by_alias()[Alias.SHADOW2]
    assert version == "4"  # the stand-in answers version i + 1 for the i-th alias
    assert {m.value: p for m, p in probabilities.items()} == inference.probabilities
    assert recorded.latency_ms > 0


def test_read_game_returns_every_round_with_predictions(client: TestClient) -> None:
    game = start(client)
    answers = [
        client.post("/play", json={"game_id": game["game_id"], "user_move": "rock"}).json() for _ in range(4)
    ]
    view = client.get(f"/games/{game['game_id']}").json()
    assert view["status"] == "active" and view["next_round_no"] == 5 and view["winner"] is None
    assert view["next_round_points"] == answers[-1]["next_round_points"]
    assert [r["bot_move"] for r in view["rounds"]] == [a["bot_move"] for a in answers]
    assert view["rounds"][0]["predictions"] == {} and len(view["rounds"][3]["predictions"]) == 4
    assert view["rounds"][2]["points"] == {
        m.value: v for m, v in deterministic_round_points(game["game_id"], 3).items()
    }


def test_game_features_match_the_feature_contract(client: TestClient) -> None:
    game = start(client)
    gid = game["game_id"]
    answers = [
        client.post("/play", json={"game_id": gid, "user_move": m}).json()
        for m in ("rock", "paper", "paper", "scissors")
    ]
    body = client.get(f"/games/{gid}/features").json()
    assert body["feature_names"] == list(FEATURE_NAMES)
    assert [r["round_no"] for r in body["rounds"]] == [1, 2, 3, 4]
    moves = [Move(a["user_move"]) for a in answers]
    bots = [Move(a["bot_move"]) for a in answers]
    points = [deterministic_round_points(gid, r) for r in (1, 2, 3, 4)]
    assert (
        body["rounds"][3]["features"]
        == extract_features_stateless(moves[:3], bots[:3], points[:3], points[3]).tolist()
    )


def test_unknown_game_is_404_everywhere(client: TestClient) -> None:
    assert client.post("/play", json={"game_id": "nope", "user_move": "rock"}).status_code == 404
    for path in ("/games/nope", "/games/nope/features", "/stats?game_id=nope", "/stats?session_id=nope"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "not found" in response.json()["detail"]


def test_bad_move_is_422_naming_the_allowed_values(client: TestClient) -> None:
    game = start(client)
    response = client.post("/play", json={"game_id": game["game_id"], "user_move": "lizard"})
    assert response.status_code == 422
    assert "'rock', 'paper' or 'scissors'" in response.text
    assert len(events_of(client, game["game_id"])) == 1


def test_bad_start_requests_are_422_saying_what_is_wrong(client: TestClient) -> None:
    unknown = client.post("/start_game", json={"player_name": "ada", "policy": "hal"})
    assert unknown.status_code == 422 and "'brian', 'forrest', 'logan' or 'lily'" in unknown.text
    assert client.post("/start_game", json={"player_name": "   ", "policy": "lily"}).status_code == 422
    assert client.post("/start_game", json={"player_name": "x" * 65, "policy": "lily"}).status_code == 422
    assert client.post("/start_game", json={"policy": "lily"}).status_code == 422
    extra = client.post("/start_game", json={"player_name": "a", "policy": "lily", "cheat": True})
    assert extra.status_code == 422 and "cheat" in extra.text
    assert (
        client.post(
            "/start_game", json={"player_name": "a", "policy": "lily", "session_id": "a b"}
        ).status_code
        == 422
    )


def test_malformed_json_is_422(client: TestClient) -> None:
    response = client.post(
        "/play", content=b'{"game_id": "x", "user_move":', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "JSON" in response.text


def test_bad_round_numbers_are_422(client: TestClient) -> None:
    game = start(client)
    for bad in (0, -1, "one", 1.5):
        response = client.post(
            "/play", json={"game_id": game["game_id"], "user_move": "rock", "round_no": bad}
        )
        assert response.status_code == 422, bad


def test_oversized_bodies_are_413_and_counted(client: TestClient, settings: Settings) -> None:
    refused = REGISTRY.get_sample_value(REQUESTS, STARTS_4XX) or 0.0
    big = b'{"player_name": "' + b"a" * settings.max_body_bytes + b'", "policy": "lily"}'
    response = client.post("/start_game", content=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.text == "Content Too Large"
    # Starlette's per-route limit answers inside HttpMetrics: the 413 is counted.
    assert REGISTRY.get_sample_value(REQUESTS, STARTS_4XX) == refused + 1
    assert client.get("/games/none").status_code == 404  # the app still answers


def test_oversized_chunked_bodies_are_413_on_a_real_server(settings: Settings) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        for _ in range(settings.max_body_bytes // 1000 + 2):
            yield b" " * 1000

    headers = {"Content-Type": "application/json"}
    # Starlette's TestClient hangs on streamed bodies at shutdown: use uvicorn for real.
    with LiveServer(create_app(settings)) as server:
        chunked = httpx.post(f"{server.url}/start_game", content=chunks(), headers=headers)
        assert chunked.status_code == 413
        small = httpx.post(
            f"{server.url}/start_game",
            content=iter([b'{"player_name": "a", ', b'"policy": "lily"}']),
            headers=headers,
        )
        assert small.status_code == 200, small.text


def test_a_move_on_a_finished_game_is_409_and_records_nothing(client: TestClient) -> None:
    game = start(client)
    play_to_end(client, game["game_id"])
    before = len(events_of(client, game["game_id"]))
    response = client.post("/play", json={"game_id": game["game_id"], "user_move": "rock"})
    assert response.status_code == 409 and "finished" in response.json()["detail"]
    assert len(events_of(client, game["game_id"])) == before


def test_a_retried_play_with_round_no_returns_the_same_result_once(client: TestClient) -> None:
    game = start(client)
    gid = game["game_id"]
    for round_no in (1, 2, 3, 4, 5):
        first = client.post("/play", json={"game_id": gid, "user_move": "paper", "round_no": round_no})
        retry = client.post("/play", json={"game_id": gid, "user_move": "paper", "round_no": round_no})
        assert first.status_code == retry.status_code == 200
        assert retry.json() == first.json()
    rounds = [e.payload.round_no for e in events_of(client, gid) if e.type is EventType.ROUND_PLAYED]
    assert rounds == [1, 2, 3, 4, 5]
    late = client.post("/play", json={"game_id": gid, "user_move": "paper", "round_no": 2})
    assert late.status_code == 200 and late.json()["next_round_no"] == 3


def test_a_retry_with_another_move_or_a_skipped_round_is_409(client: TestClient) -> None:
    game = start(client)
    gid = game["game_id"]
    client.post("/play", json={"game_id": gid, "user_move": "rock", "round_no": 1})
    changed = client.post("/play", json={"game_id": gid, "user_move": "paper", "round_no": 1})
    assert changed.status_code == 409 and "already played with 'rock'" in changed.json()["detail"]
    ahead = client.post("/play", json={"game_id": gid, "user_move": "rock", "round_no": 5})
    assert ahead.status_code == 409 and "next round is 2" in ahead.json()["detail"]
    assert len(events_of(client, gid)) == 2


def test_a_retry_of_the_last_round_of_a_finished_game_still_answers(client: TestClient) -> None:
    game = start(client)
    answers = play_to_end(client, game["game_id"])
    last = answers[-1]
    retry = client.post(
        "/play",
        json={"game_id": game["game_id"], "user_move": last["user_move"], "round_no": last["round_no"]},
    )
    assert retry.status_code == 200 and retry.json() == last


def test_stats_of_a_game_and_of_a_session(client: TestClient) -> None:
    game = start(client)
    session_id = game["session_id"]
    answers = play_to_end(client, game["game_id"], move="scissors")
    start(client, session_id=session_id)
    stats = client.get("/stats", params={"game_id": game["game_id"]}).json()["game"]
    results = [a["result"] for a in answers]
    assert stats["results"] == {r: results.count(r) for r in ("win", "lose", "draw")}
    assert stats["user_moves"] == {"rock": 0, "paper": 0, "scissors": len(answers)}
    assert stats["status"] == "finished" and stats["winner"] == answers[-1]["winner"]
    session = client.get("/stats", params={"session_id": session_id}).json()["session"]
    assert (session["games_started"], session["games_finished"], session["rounds_played"]) == (
        2,
        1,
        len(answers),
    )
    assert session["games"][0]["game_id"] == game["game_id"]
    assert client.get("/stats").json() == {"game": None, "session": None}  # nothing asked, nothing told
    both = client.get("/stats", params={"game_id": game["game_id"], "session_id": session_id}).json()
    assert both["game"] == stats and both["session"] == session


def test_leaderboard_ranks_players_and_leaves_out_test_games(client: TestClient) -> None:
    for name, move in (("ada", "rock"), ("bob", "scissors")):
        game = client.post("/start_game", json={"player_name": name, "policy": "forrest"}).json()
        play_to_end(client, game["game_id"], move)
    test_game = client.post(
        "/start_game", json={"player_name": "bot-tester", "policy": "forrest", "is_test": True}
    ).json()
    play_to_end(client, test_game["game_id"])
    board = client.get("/leaderboard").json()
    assert sorted(row["player_name"] for row in board) == ["ada", "bob"]
    assert [row["rank"] for row in board] == [1, 2]
    assert board[0]["games_won"] >= board[1]["games_won"]
    assert client.get("/leaderboard", params={"limit": 0}).status_code == 422


def test_policies_list_the_four_bots_with_their_recent_win_rate(client: TestClient) -> None:
    game = start(client, policy="logan")
    last = play_to_end(client, game["game_id"])[-1]
    policies = {p["name"]: p for p in client.get("/policies").json()}
    assert set(policies) == {"brian", "forrest", "logan", "lily"}
    assert policies["logan"]["games"] == 1
    assert policies["logan"]["bot_win_rate"] == (1.0 if last["winner"] == "bot" else 0.0)
    assert policies["lily"]["bot_win_rate"] is None and policies["lily"]["window_days"] == 7


def test_the_game_goes_on_after_a_restart_of_the_service(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        game = start(client)
        before = [
            client.post("/play", json={"game_id": game["game_id"], "user_move": "rock"}).json()
            for _ in range(4)
        ]
    with TestClient(create_app(settings)) as client:
        view = client.get(f"/games/{game['game_id']}").json()
        assert [r["bot_move"] for r in view["rounds"]] == [a["bot_move"] for a in before]
        fifth = client.post("/play", json={"game_id": game["game_id"], "user_move": "rock"}).json()
        assert fifth["round_no"] == 5
        assert (
            fifth["user_score"] >= before[-1]["user_score"] and fifth["bot_score"] >= before[-1]["bot_score"]
        )
