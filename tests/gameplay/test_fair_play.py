"""Fair play: sealed bot moves that verify, private sessions, rate limits, the round cap, hostile input."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from services.gameplay.app import create_app
from services.gameplay.limits import TokenBucket, client_address
from services.gameplay.secret import game_secret
from services.gameplay.settings import Settings
from shared.events import EventStore, EventType, revealed
from shared.features import MAX_ROUNDS, Alias, round_nonce
from tests.gameplay.conftest import TOKEN, InferenceStandIn, LiveServer, start


def sealed(game_id: str, round_no: int, bot_move: str, nonce: str) -> str:
    """What a player computes to check a reveal (docs/fair-play.md)."""
    return hashlib.sha256(f"{game_id}:{round_no}:{bot_move}:{nonce}".encode()).hexdigest()


def play(client: TestClient, game_id: str, move: str, round_no: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"game_id": game_id, "user_move": move}
    if round_no is not None:
        body["round_no"] = round_no
    response = client.post("/play", json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def events(client: TestClient, game_id: str) -> list[Any]:
    store: EventStore = client.app.state.service.store  # type: ignore[attr-defined]
    return store.read_aggregate(game_id)


def test_every_round_verifies_against_the_commitment_shown_before_it_across_a_restart(
    settings: Settings, inference: InferenceStandIn
) -> None:
    """Openings, model rounds, fallback rounds, and a restart of gameplay in the middle."""
    moves = ["rock", "paper", "scissors", "paper", "rock"]
    shown: dict[int, str] = {}
    answers: list[dict[str, Any]] = []
    with TestClient(create_app(settings)) as client:
        game = start(client)
        gid = game["game_id"]
        shown[1] = game["bot_commitment"]
        started = events(client, gid)[0].payload  # logged before shown:
        first_nonce = round_nonce(started.seal_key, 1)
        assert sealed(gid, 1, started.seal.bot_move.value, first_nonce) == shown[1]
        for i in range(5):
            calls = len(inference.calls)
            answers.append(play(client, gid, moves[i]))
            assert len(inference.calls) - calls <= 1  # one inference call per /play
            shown[i + 2] = answers[-1]["bot_commitment"]
            assert events(client, gid)[-1].payload.next_seal.round_no == i + 2
        inference.aliases = ("shadow1",)  # the game's alias stops answering: fallback rounds
        answers.append(play(client, gid, "rock"))
        shown[7] = answers[-1]["bot_commitment"]
    with TestClient(create_app(settings)) as client:  # a restart: the seal of round 7 comes from the log
        assert client.get(f"/games/{gid}").json()["bot_commitment"] == shown[7]
        while not answers[-1]["finished"]:
            answers.append(play(client, gid, moves[len(answers) % len(moves)]))
            if not answers[-1]["finished"]:
                shown[len(answers) + 1] = answers[-1]["bot_commitment"]
        view = client.get(f"/games/{gid}").json()
    sources = {a["bot_source"] for a in answers}
    assert sources == {"opening", "model", "fallback"}, sources
    for answer in answers:
        n = answer["round_no"]
        assert sealed(gid, n, answer["bot_move"], answer["nonce"]) == shown[n], n
        assert len(answer["nonce"]) == 32
    assert answers[-1]["bot_commitment"] is None and view["bot_commitment"] is None
    assert [r["bot_commitment"] for r in view["rounds"]] == [shown[a["round_no"]] for a in answers]
    assert [r["nonce"] for r in view["rounds"]] == [a["nonce"] for a in answers]


def test_a_round_records_the_predictions_its_move_was_decided_with(
    client: TestClient, inference: InferenceStandIn
) -> None:
    game = start(client)
    gid = game["game_id"]
    for move in ("rock", "paper", "rock"):
        play(client, gid, move)
    seal = events(client, gid)[-1].payload.next_seal  # round 4, decided while answering round 3
    inference.probabilities = {"rock": 0.1, "paper": 0.1, "scissors": 0.8}  # later calls answer otherwise
    fourth = play(client, gid, "scissors")
    recorded = [e for e in events(client, gid) if e.type is EventType.ROUND_PLAYED][-1].payload
    assert recorded.round_no == 4 and fourth["bot_move"] == seal.bot_move.value
    # The round stores none of it again: its seal is the one record of its predictions.
    assert recorded.unsealed is None and "pr" not in recorded.to_json() and revealed(recorded, seal) is seal
    shadow2 = seal.predictions_by_alias()[Alias.SHADOW2][1]
    assert {m.value: p for m, p in shadow2.items()} == {"rock": 0.6, "paper": 0.3, "scissors": 0.1}


def test_a_retried_play_returns_the_same_reveal(client: TestClient) -> None:
    game = start(client)
    gid = game["game_id"]
    for round_no in range(1, 6):
        first = play(client, gid, "paper", round_no)
        again = play(client, gid, "paper", round_no)
        assert (again["bot_move"], again["nonce"], again["bot_commitment"]) == (
            first["bot_move"],
            first["nonce"],
            first["bot_commitment"],
        )


def test_openings_differ_under_two_secrets(settings: Settings) -> None:
    """The same game ids get other openings under another GAME_SECRET (nothing derives them from the id)."""
    from shared.features import choose_opening

    ids = [f"{i:032x}" for i in range(200)]
    one = [choose_opening(b"one", g).name for g in ids]
    two = [choose_opening(settings.game_secret.get_secret_value().encode(), g).name for g in ids]  # type: ignore[union-attr]
    assert sum(a == b for a, b in zip(one, two, strict=True)) < 40


def test_game_secret_is_required_in_cluster_and_generated_locally(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="GAME_SECRET"):
        Settings(rps_env="cluster", internal_token="t")
    path = tmp_path / "data" / "game-secret"
    local = Settings(game_secret_file=path)
    first = game_secret(local)
    assert len(first) == 64 and os.stat(path).st_mode & 0o777 == 0o600
    assert game_secret(local) == first  # kept across restarts
    assert game_secret(Settings(game_secret="given")) == b"given"


def test_another_sessions_games_are_unreachable(client: TestClient) -> None:
    mine = start(client)
    theirs = start(client)
    assert mine["session_id"] != theirs["session_id"]
    # A session id the server did not issue is refused, not created.
    guessed = client.post("/start_game", json={"player_name": "eve", "policy": "lily", "session_id": "alice"})
    assert guessed.status_code == 404 and "issued by /start_game" in guessed.json()["detail"]
    # Reading a game by its id tells nothing about its session.
    for path in (f"/games/{theirs['game_id']}", f"/stats?game_id={theirs['game_id']}", "/leaderboard"):
        assert theirs["session_id"] not in client.get(path).text, path
    mine_stats = client.get("/stats", params={"session_id": mine["session_id"]}).json()["session"]
    assert [g["game_id"] for g in mine_stats["games"]] == [mine["game_id"]]
    # Nothing lists sessions.
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if "session" in p]


def test_start_game_and_play_are_rate_limited_per_client_with_retry_after(settings: Settings) -> None:
    limited = settings.model_copy(update={"start_game_burst": 2, "play_burst": 3})
    with TestClient(create_app(limited)) as client:
        game = start(client)
        start(client)
        refused = client.post("/start_game", json={"player_name": "ada", "policy": "lily"})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert "too many /start_game" in refused.json()["detail"]
        trusted = client.post(
            "/start_game",
            json={"player_name": "sim", "policy": "lily"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert trusted.status_code == 200  # trusted load presents the internal token
        for _ in range(3):
            play(client, game["game_id"], "rock")
        late = client.post("/play", json={"game_id": game["game_id"], "user_move": "rock"})
        assert late.status_code == 429 and late.headers["Retry-After"]
        assert len([e for e in events(client, game["game_id"]) if e.type is EventType.ROUND_PLAYED]) == 3


def test_token_buckets_refill_and_forwarded_for_counts_only_behind_trusted_proxies() -> None:
    now = [0.0]
    bucket = TokenBucket(rate_per_s=1.0, burst=2, clock=lambda: now[0])
    assert [bucket.take("a"), bucket.take("a")] == [0.0, 0.0]
    assert bucket.take("a") == pytest.approx(1.0)
    assert bucket.take("b") == 0.0  # per client
    now[0] = 1.0
    assert bucket.take("a") == 0.0
    proxies = Settings(trusted_proxies="10.0.0.0/8, ::1").trusted_proxy_networks
    assert client_address("203.0.113.9", "1.2.3.4", proxies) == "203.0.113.9"  # untrusted peer: ignored
    assert client_address("10.0.0.2", "198.51.100.7, 10.0.0.5", proxies) == "198.51.100.7"
    assert client_address("10.0.0.2", "6.6.6.6, 198.51.100.7", proxies) == "198.51.100.7"  # spoofed head
    assert client_address("10.0.0.2", None, proxies) == "10.0.0.2"
    with pytest.raises(ValidationError):
        Settings(trusted_proxies="not-an-address")


def test_the_round_cap_ends_a_drawn_game_as_a_draw(client: TestClient) -> None:
    """A player who always matches the bot draws every round: round MAX_ROUNDS ends it, 0–0, a draw."""
    game = start(client)
    gid = game["game_id"]
    last: dict[str, Any] = {}
    for round_no in range(1, MAX_ROUNDS + 1):
        recorded = events(client, gid)[-1].payload
        seal = recorded.seal if round_no == 1 else recorded.next_seal  # the server's side, read back
        last = play(client, gid, seal.bot_move.value, round_no)
    assert last["finished"] and last["winner"] == "draw" and last["round_no"] == MAX_ROUNDS
    assert (last["user_score"], last["bot_score"]) == (0.0, 0.0)
    assert client.post("/play", json={"game_id": gid, "user_move": "rock"}).status_code == 409
    view = client.get(f"/games/{gid}").json()
    assert (view["status"], view["winner"]) == ("finished", "draw")
    session = client.get("/stats", params={"session_id": game["session_id"]}).json()["session"]
    assert (session["games_finished"], session["games_won"]) == (1, 0)
    board = {row["player_name"]: row for row in client.get("/leaderboard").json()}
    assert (board["ada"]["games_finished"], board["ada"]["games_won"]) == (1, 0)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("a\x00b", "U+0000"),
        ("\x1b[31mred", "U+001B"),
        ("evil\u202egnp.exe", "U+202E"),
        ("zero\u200bwidth", "U+200B"),
    ],
)
def test_player_names_with_control_or_format_characters_are_422_saying_so(
    client: TestClient, name: str, code: str
) -> None:
    response = client.post("/start_game", json={"player_name": name, "policy": "lily"})
    assert response.status_code == 422
    assert "control, format" in response.json()["detail"] and code in response.json()["detail"]


def test_inputs_that_used_to_be_500s_are_422_without_echoing_them(client: TestClient) -> None:
    game = start(client)
    raw = {
        "/start_game": b'{"player_name": "\\ud800", "policy": "lily"}',
        "/play": b'{"game_id": "%s", "user_move": "rock", "round_no": NaN}' % game["game_id"].encode(),
        "/internal/grafana/query": json.dumps(
            {"range": {"from": "2026-11-01T00:00:00Z", "to": "2026-11-02T00:00:00Z"}, "intervalMs": 2**64}
        ).encode(),
    }
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    for path, body in raw.items():
        response = client.post(path, content=body, headers=headers)
        assert response.status_code == 422, (path, response.text)
        problem = response.json()
        assert isinstance(problem["detail"], str) and problem["errors"], problem
        assert "input" not in json.dumps(problem["errors"]), problem  # the raw input is not echoed
    assert client.get("/games/%F0%9F%98%80").status_code == 422  # not an id the server issues


def test_game_features_are_those_of_the_contract_for_every_round(client: TestClient) -> None:
    from shared.features import Move, deterministic_round_points, extract_features_stateless

    game = start(client)
    gid = game["game_id"]
    answers = [play(client, gid, m) for m in ("rock", "paper", "paper", "scissors", "rock", "rock", "paper")]
    rows = client.get(f"/games/{gid}/features").json()["rounds"]
    users = [Move(a["user_move"]) for a in answers]
    bots = [Move(a["bot_move"]) for a in answers]
    points = [deterministic_round_points(gid, a["round_no"]) for a in answers]
    for i, row in enumerate(rows):
        expected = extract_features_stateless(users[:i], bots[:i], points[:i], points[i])
        assert row["round_no"] == i + 1 and row["features"] == pytest.approx(expected.tolist()), i


def test_the_verification_script_of_the_docs_verifies_a_played_game(
    settings: Settings, tmp_path: Path
) -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "fair-play.md").read_text()
    script = text.split("```python\n", 1)[1].split("```", 1)[0]
    assert len(script.strip().splitlines()) <= 12
    (tmp_path / "verify.py").write_text(script)
    with LiveServer(create_app(settings)) as server:
        with httpx.Client(base_url=server.url) as http:
            game = http.post("/start_game", json={"player_name": "ada", "policy": "lily"}).json()
            seals = {"1": game["bot_commitment"]}
            for round_no in range(1, 6):
                body = {"game_id": game["game_id"], "user_move": "rock", "round_no": round_no}
                seals[str(round_no + 1)] = http.post("/play", json=body).json()["bot_commitment"]
        (tmp_path / "seals.json").write_text(json.dumps(seals))
        run = [sys.executable, "verify.py", server.url, game["game_id"], "seals.json"]
        honest = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
        seals["3"] = "0" * 64  # a seal that does not match what was revealed
        (tmp_path / "seals.json").write_text(json.dumps(seals))
        lied = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert honest.count("verified") == 5 and "MISMATCH" not in honest
    assert lied.splitlines()[2].endswith("MISMATCH") and lied.count("verified") == 4


def test_seals_round_trip_through_the_stored_json_and_older_events_have_none() -> None:
    from shared.events import BotSource, GameStarted, RoundPlayed, SealedMove, decode_payload
    from shared.features import Move

    answers = {
        "Production": {"model_version": 3, "probabilities": {"rock": 0.5, "paper": 0.3, "scissors": 0.2}}
    }
    seal = SealedMove.record(5, Move.PAPER, bot_source=BotSource.MODEL, model_version="3", answers=answers)
    played = RoundPlayed(
        round_no=4,
        user_move=Move.ROCK,
        bot_move=Move.ROCK,
        user_score=0.0,
        bot_score=0.0,
        points={Move.ROCK: 1.0, Move.PAPER: 1.1, Move.SCISSORS: 1.6},
        latency_ms=1.0,
        next_seal=seal,
    )
    stored = json.loads(json.dumps(played.to_json()))
    assert decode_payload("RoundPlayed", RoundPlayed.VERSION, stored) == played
    older = {k: v for k, v in stored.items() if k != "nx"}
    assert decode_payload("RoundPlayed", RoundPlayed.VERSION, older).next_seal is None
    first = SealedMove.record(1, Move.ROCK, bot_source=BotSource.OPENING, model_version=None, answers={})
    started = GameStarted(
        "g", "ada", "s", "lily", "rps_bot_lightgbm", "Production", "razor", False, False, "ab" * 16, first
    )
    assert (
        decode_payload("GameStarted", GameStarted.VERSION, json.loads(json.dumps(started.to_json())))
        == started
    )
    # A round's nonce: 16 bytes from the game's key, different every round and every game.
    nonces = {round_nonce(key, n) for key in ("ab" * 16, "cd" * 16) for n in range(1, 61)}
    assert len(nonces) == 120 and all(len(n) == 32 for n in nonces)


def test_the_openapi_declares_every_error_as_a_problem_and_the_internal_token_as_bearer(
    client: TestClient,
) -> None:
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["InternalToken"] == {**schemes["InternalToken"], "type": "http", "scheme": "bearer"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if path.startswith("/internal/"):
                assert operation.get("security") == [{"InternalToken": []}], (method, path)
            for status, response in operation["responses"].items():
                if int(status) < 400 or (path, status) == ("/readyz", "503"):  # readiness answers Health
                    continue
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Problem"}, (method, path, status)
    play = spec["paths"]["/play"]["post"]["responses"]
    assert {"404", "409", "422", "429"} <= set(play)


def test_a_game_started_before_sealed_moves_plays_on_unsealed(client: TestClient) -> None:
    from shared.events import GameStarted, new_event

    store: EventStore = client.app.state.service.store  # type: ignore[attr-defined]
    old = GameStarted(
        "0ld0ld", "ada", "s-old", "lily", "rps_bot_lightgbm", "Production", "razor", False, False
    )
    store.append([new_event("0ld0ld", 1, old)])
    assert client.get("/games/0ld0ld").json()["bot_commitment"] is None
    answers = [play(client, "0ld0ld", move) for move in ("rock", "paper", "scissors", "rock", "paper")]
    assert [a["round_no"] for a in answers] == [1, 2, 3, 4, 5]
    assert all(a["nonce"] is None and a["bot_commitment"] is None for a in answers)
    assert answers[-1]["bot_source"] == "model"
