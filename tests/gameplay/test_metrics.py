"""Gameplay's metrics: HTTP requests by route template and status class, and is_test games kept
out of the production analytics counters (DESIGN §5)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from services.gameplay.http_metrics import HttpMetrics
from tests.gameplay.conftest import play_to_end, start


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _delta(name: str, **labels: str) -> Callable[[], float]:
    before = _value(name, **labels)
    return lambda: _value(name, **labels) - before


def test_requests_are_counted_by_route_template_and_status_class(client: TestClient) -> None:
    game = start(client)
    game_id = game["game_id"]
    play_ok = _delta("rps_gameplay_http_requests_total", route="/play", method="POST", status="2xx")
    play_bad = _delta("rps_gameplay_http_requests_total", route="/play", method="POST", status="4xx")
    view_ok = _delta("rps_gameplay_http_requests_total", route="/games/{game_id}", method="GET", status="2xx")
    unmatched = _delta("rps_gameplay_http_requests_total", route="other", method="GET", status="4xx")
    play_time = _delta("rps_gameplay_http_request_seconds_count", route="/play")

    for _ in range(3):
        assert client.post("/play", json={"game_id": game_id, "user_move": "rock"}).status_code == 200
    assert client.post("/play", json={"game_id": game_id, "user_move": "lizard"}).status_code == 422
    assert client.get(f"/games/{game_id}").status_code == 200  # one series for every game id
    assert client.get("/no/such/page").status_code == 404

    assert (play_ok(), play_bad(), view_ok(), unmatched(), play_time()) == (3, 1, 1, 1, 4)
    assert _value("rps_gameplay_http_request_seconds_sum", route="/play") > 0
    routes = {
        s.labels["route"]
        for m in REGISTRY.collect()
        if m.name == "rps_gameplay_http_requests"
        for s in m.samples
    }
    assert game_id not in " ".join(routes)  # raw paths never become labels


def test_an_unhandled_error_is_counted_as_5xx() -> None:
    app = FastAPI()

    @app.get("/boom/{n}")
    def boom(n: int) -> None:
        raise RuntimeError(f"boom {n}")

    app.add_middleware(HttpMetrics)
    errors = _delta("rps_gameplay_http_requests_total", route="/boom/{n}", method="GET", status="5xx")
    with TestClient(app, raise_server_exceptions=False) as test_client:
        assert test_client.get("/boom/1").status_code == 500
        assert test_client.get("/boom/2").status_code == 500
    assert errors() == 2


def test_test_games_stay_out_of_the_game_counters(client: TestClient) -> None:
    started = _delta("rps_gameplay_games_started_total", policy="forrest", alias="Production")
    test_started = _delta("rps_gameplay_test_games_started_total")
    finished = {
        winner: _delta(
            "rps_gameplay_games_finished_total", policy="forrest", alias="Production", winner=winner
        )
        for winner in ("user", "bot")
    }
    rounds = {
        source: _delta("rps_gameplay_rounds_total", policy="forrest", bot_source=source)
        for source in ("opening", "model", "fallback")
    }

    test_game = start(client, is_test=True)
    play_to_end(client, test_game["game_id"])
    assert (
        started(),
        test_started(),
        sum(d() for d in finished.values()),
        sum(d() for d in rounds.values()),
    ) == (
        0,
        1,
        0,
        0,
    )

    real_game = start(client)
    answers = play_to_end(client, real_game["game_id"])
    assert (started(), test_started()) == (1, 1)
    assert sum(d() for d in finished.values()) == 1
    assert sum(d() for d in rounds.values()) == len(answers)
