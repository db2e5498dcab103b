"""Schemathesis against the inference API (tests/api's runner): no server error, no answer off its OpenAPI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, HTTPException

from services.inference.main import create_app
from tests.api.schemathesis_run import fuzz
from tests.inference.conftest import LiveServer
from tests.inference.helpers import settings_for


@pytest.fixture
def gameplay() -> Iterator[LiveServer]:
    """Gameplay's GET /games/{id} stand-in: ids starting with 'A' are unknown (404), others play B."""
    app = FastAPI()

    @app.get("/games/{game_id}")
    def game(game_id: str) -> dict[str, str]:
        if game_id.startswith("A"):
            raise HTTPException(404, "no such game")
        return {"game_id": game_id, "model_alias": "B"}

    server = LiveServer(app).start()
    yield server
    server.stop()


def test_inference_api_conforms_to_its_openapi_under_fuzzing(
    cache_dir: Path, gameplay: LiveServer, serve
) -> None:
    server = serve(create_app(settings_for(cache_dir, gameplay_url=gameplay.url)))
    assert fuzz(server.url, {"Authorization": "Bearer secret-token"}) >= 8
