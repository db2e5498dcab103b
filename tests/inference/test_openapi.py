"""Inference's OpenAPI is complete: response models, one Problem for errors, the token's scheme, bounds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.inference.main import create_app
from shared.features import FEATURE_COUNT
from tests.inference.conftest import LiveServer
from tests.inference.helpers import ROW, settings_for

PROBLEM = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture(scope="module")
def spec() -> dict:
    return create_app(settings_for(Path("/nonexistent"))).openapi()


def operations(spec: dict) -> list[tuple[str, str, dict]]:
    return [(path, method, op) for path, ops in spec["paths"].items() for method, op in ops.items()]


def test_every_operation_declares_a_response_schema_for_success(spec: dict) -> None:
    for path, method, op in operations(spec):
        content = op["responses"]["200"]["content"]
        assert all(media.get("schema") for media in content.values()) or path == "/metrics", (method, path)


def test_every_error_status_is_a_problem(spec: dict) -> None:
    declared = 0
    for path, method, op in operations(spec):
        for status, response in op["responses"].items():
            if status.startswith("2") or (path, status) == ("/readyz", "503"):
                continue
            declared += 1
            assert response["content"]["application/json"]["schema"] == PROBLEM, (method, path, status)
    assert declared >= 10
    assert "HTTPValidationError" not in spec["components"]["schemas"]  # FastAPI's own 422 shape is not used


def test_reload_is_protected_by_the_internal_token_schemes(spec: dict) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes["InternalToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "the internal token (INTERNAL_TOKEN)",
    }
    assert schemes["InternalTokenHeader"]["name"] == "X-Internal-Token"
    assert spec["paths"]["/models/reload"]["post"]["security"] == [
        {"InternalToken": []},
        {"InternalTokenHeader": []},
    ]
    assert {"security"} & set(spec["paths"]["/models"]["get"]) == set()


def test_features_are_exactly_50_finite_float32_numbers_in_the_schema(spec: dict) -> None:
    for name in ("PredictRequest", "BatchPredictRequest"):
        features = spec["components"]["schemas"][name]["properties"]["features"]
        assert features["minItems"] == features["maxItems"] == FEATURE_COUNT
        assert features["items"]["type"] == "number"
        assert features["items"]["maximum"] == -features["items"]["minimum"] == 3.4028234663852886e38


def test_models_and_reload_answer_what_their_schema_says(cache_dir: Path, serve) -> None:
    from services.inference.schemas import ModelsResponse, ReadyResponse

    server: LiveServer = serve(create_app(settings_for(cache_dir)))
    with server.client() as client:
        listed = client.get("/models").json()
        reloaded = client.post("/models/reload", headers={"Authorization": "Bearer secret-token"}).json()
        ready = client.get("/readyz").json()
    assert ModelsResponse.model_validate(listed).generation == 1
    assert ModelsResponse.model_validate(reloaded).last_reload.outcome == "ok"  # type: ignore[union-attr]
    assert ReadyResponse.model_validate(ready).loaded == 16


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"family": "rps_bot_xgboost", "alias": "B", "features": [1, 2], "zz\\ud800SECRET-INPUT": 1}', 422),
        (json.dumps({"family": "SECRET-INPUT", "alias": "B", "features": ROW}).encode(), 422),
        (
            json.dumps({"family": "rps_bot_xgboost", "game_id": "SECRET-INPUT!", "features": ROW}).encode(),
            422,
        ),
        (b'{"family": "\xc3\x28SECRET-INPUT!"}', 400),
        (b'{"family": "rps_bot_xgboost", "alias": "B", "features": [1e999' + b", 0" * 49 + b"]}", 422),
    ],
)
def test_bad_bodies_get_a_problem_that_does_not_echo_the_input(
    cache_dir: Path, serve, body: bytes, status: int
) -> None:
    server: LiveServer = serve(create_app(settings_for(cache_dir)), wait=False)
    with server.client() as client:
        response = client.post("/predict", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert set(response.json()) <= {"detail", "errors"} and response.json()["detail"]
    assert "SECRET-INPUT!" not in response.text and 'SECRET-INPUT"' not in response.text
