"""POST /predict and /predict/batch over real HTTP, answered by real models from a local serving cache."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from fastapi import FastAPI, HTTPException

from services.inference.main import create_app
from shared.features import ALIASES, FAMILIES, Alias, Family
from tests.conftest import free_port
from tests.inference.conftest import SET_X, Artifacts, LiveServer
from tests.inference.helpers import ROW, expected, settings_for


@pytest.fixture
def server(cache_dir: Path, serve) -> LiveServer:
    return serve(create_app(settings_for(cache_dir)))


@pytest.mark.parametrize("family", FAMILIES)
def test_predict_answers_with_the_alias_model(
    server: LiveServer, artifacts: Artifacts, family: Family
) -> None:
    with server.client() as client:
        response = client.post("/predict", json={"family": family.value, "alias": "B", "features": ROW})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "probabilities": pytest.approx(expected(artifacts, family, SET_X[Alias.B])),
        "family": family.value,
        "alias": "B",
        "model_version": SET_X[Alias.B],
        "source": "cache",
    }
    assert math.isclose(sum(body["probabilities"].values()), 1.0, rel_tol=1e-5)


def test_batch_answers_every_alias_in_one_call(server: LiveServer, artifacts: Artifacts) -> None:
    with server.client() as client:
        response = client.post("/predict/batch", json={"family": "rps_bot_lightgbm", "features": ROW})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["family"] == "rps_bot_lightgbm"
    assert list(body["predictions"]) == [a.value for a in ALIASES]
    for alias in ALIASES:
        answer = body["predictions"][alias.value]
        assert answer["model_version"] == SET_X[alias]
        assert answer["source"] == "cache"
        assert answer["probabilities"] == pytest.approx(expected(artifacts, Family.LIGHTGBM, SET_X[alias]))


def test_batch_answers_only_the_aliases_asked(server: LiveServer) -> None:
    with server.client() as client:
        response = client.post(
            "/predict/batch", json={"family": "rps_bot_mnlogit", "features": ROW, "aliases": ["shadow2", "B"]}
        )
    assert response.status_code == 200
    assert list(response.json()["predictions"]) == ["B", "shadow2"]


def test_aliases_without_a_model_fall_back(tmp_path: Path, serve) -> None:
    server = serve(create_app(settings_for(tmp_path / "empty-cache")))
    with server.client() as client:
        single = client.post(
            "/predict", json={"family": "rps_bot_xgboost", "alias": "Production", "features": ROW}
        )
        batch = client.post("/predict/batch", json={"family": "rps_bot_xgboost", "features": ROW})
        metrics = client.get("/metrics").text
    assert single.status_code == 200
    assert single.json() == {
        "probabilities": {"rock": 1 / 3, "paper": 1 / 3, "scissors": 1 / 3},
        "family": "rps_bot_xgboost",
        "alias": "Production",
        "model_version": None,
        "source": "fallback",
    }
    assert batch.json() == {"family": "rps_bot_xgboost", "predictions": {}}
    assert 'rps_inference_fallbacks_total{alias="Production",family="rps_bot_xgboost"} 2.0' in metrics


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"features": ROW[:49]}, "features: List should have at least 50 items after validation, not 49"),
        ({"features": [*ROW, 1.0]}, "features: List should have at most 50 items after validation, not 51"),
        (
            {"features": [*ROW[:3], float("nan"), *ROW[4:]]},
            "features[3] (user_-2_rock): Input should be a finite",
        ),
        ({"features": [*ROW[:48], float("inf"), 0.0]}, "features[48] (step_no): Input should be a finite"),
        ({"features": [1e39, *ROW[1:]]}, "features[0] (user_-1_rock): Input should be less than or equal"),
        ({"features": [-(10**400), *ROW[1:]]}, "features[0] (user_-1_rock): Input should be a valid number"),
        ({"features": ["rock", *ROW[1:]]}, "features[0] (user_-1_rock): Input should be a valid number"),
        ({"game_id": "\ud800", "alias": None}, "game_id: Input should be a valid string"),
        ({"family": "rps_bot_random"}, "family"),
        ({"alias": "Staging"}, "alias"),
        ({"game_id": "g-1"}, "give exactly one of alias or game_id"),
        ({"alias": None}, "give exactly one of alias or game_id"),
    ],
)
def test_bad_input_is_a_422_that_says_what_is_wrong(server: LiveServer, change: dict, message: str) -> None:
    body = {"family": "rps_bot_mnlogit", "alias": "Production", "features": ROW, **change}
    with server.client() as client:
        # NaN and Infinity are not JSON: send them the way Python's json module writes them.
        response = client.post(
            "/predict", content=json.dumps(body), headers={"content-type": "application/json"}
        )
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]


def test_batch_rejects_an_unknown_alias(server: LiveServer) -> None:
    with server.client() as client:
        response = client.post(
            "/predict/batch",
            json={"family": "rps_bot_mnlogit", "features": ROW, "aliases": ["Production", "C"]},
        )
    assert response.status_code == 422
    assert "aliases.1" in response.json()["detail"]


class FakeGameplay:
    """A real HTTP server standing in for gameplay's GET /games/{id}; counts the calls it gets."""

    def __init__(self, games: dict[str, str]) -> None:
        self.calls = 0
        app = FastAPI()

        @app.get("/games/{game_id}")
        def game(game_id: str) -> dict:
            self.calls += 1
            if game_id not in games:
                raise HTTPException(404, "no such game")
            return {"game_id": game_id, "model_alias": games[game_id], "finished": False}

        self.server = LiveServer(app)


def test_game_id_resolves_to_the_game_alias_once(cache_dir: Path, serve, artifacts: Artifacts) -> None:
    gameplay = FakeGameplay({"game-b": "B", "game-p": "Production"})
    gameplay.server.start()
    try:
        server = serve(create_app(settings_for(cache_dir, gameplay_url=gameplay.server.url)))
        with server.client() as client:
            answers = [
                client.post(
                    "/predict", json={"family": "rps_bot_xgboost", "game_id": "game-b", "features": ROW}
                )
                for _ in range(3)
            ]
            unknown = client.post(
                "/predict", json={"family": "rps_bot_xgboost", "game_id": "nope", "features": ROW}
            )
            metrics = client.get("/metrics").text
    finally:
        gameplay.server.stop()
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].json()["alias"] == "B"
    assert answers[0].json()["model_version"] == SET_X[Alias.B]
    assert answers[0].json()["probabilities"] == pytest.approx(
        expected(artifacts, Family.XGBOOST, SET_X[Alias.B])
    )
    assert gameplay.calls == 2  # game-b once (then cached), nope once
    assert unknown.status_code == 404
    assert "nope" in unknown.json()["detail"]
    assert 'rps_inference_game_alias_lookups_total{result="hit"} 2.0' in metrics


def test_game_id_with_gameplay_down_is_a_503(cache_dir: Path, serve) -> None:
    server = serve(create_app(settings_for(cache_dir, gameplay_url=f"http://127.0.0.1:{free_port()}")))
    with server.client() as client:
        response = client.post(
            "/predict", json={"family": "rps_bot_xgboost", "game_id": "g", "features": ROW}
        )
    assert response.status_code == 503
    assert "cannot resolve game 'g'" in response.json()["detail"]


def test_features_far_outside_the_contract_s_domain_still_get_an_answer(server: LiveServer) -> None:
    """Schema-valid but nonsensical rows (one-hots of ±3e38) must not crash any family's model."""
    rng = np.random.default_rng(5)
    rows = [rng.choice([-3.4e38, -1e16, 0.0, 1e-45, 0.5, 1e16, 3.4e38], size=50).tolist() for _ in range(20)]
    with server.client() as client:
        for family in FAMILIES:
            for row in rows:
                response = client.post("/predict/batch", json={"family": family.value, "features": row})
                assert response.status_code == 200, (family, row, response.text)
