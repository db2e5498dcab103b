"""Schemathesis against the gameplay API: 0 server errors, 0 answers that break its OpenAPI."""

from __future__ import annotations

from services.gameplay.app import create_app
from services.gameplay.settings import Settings
from tests.api.schemathesis_run import fuzz
from tests.gameplay.conftest import TOKEN, LiveServer


def test_gameplay_api_conforms_to_its_openapi_under_fuzzing(settings: Settings) -> None:
    with LiveServer(create_app(settings)) as server:
        assert fuzz(server.url, {"Authorization": f"Bearer {TOKEN}"}) >= 10
