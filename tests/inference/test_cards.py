"""GET /models/{family}/versions/{version}/card: from the serving cache beside the model, else MLflow."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.inference.main import create_app
from shared.features import Alias, Family
from shared.serving_cache import LocalDirectoryCache
from tests.conftest import free_port
from tests.inference.conftest import Artifacts, LiveServer, fill_cache
from tests.inference.helpers import register_in_mlflow, settings_for

CARD = {"family": "rps_bot_xgboost", "version": 3, "gate": {"passed": True}, "rows": 4321}
MARKDOWN = "# rps_bot_xgboost v3\n\nGate: passed.\n"


def card_files(card: dict[str, object], markdown: str) -> dict[str, bytes]:
    return {"card.json": json.dumps(card).encode(), "card.md": markdown.encode()}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, artifacts: Artifacts) -> Iterator[LiveServer]:
    """Inference over a cache whose xgboost v3 has a card, and a registry whose mnlogit v1 has one."""
    tmp_path = tmp_path_factory.mktemp("cards")
    cache = LocalDirectoryCache(tmp_path / "cache")
    fill_cache(cache, artifacts)
    cache.put_card("rps_bot_xgboost", 3, card_files(CARD, MARKDOWN))
    tracking_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    register_in_mlflow(
        tracking_uri,
        artifacts,
        Family.MNLOGIT,
        Alias.B,
        version_of=1,
        card=card_files({"family": "rps_bot_mnlogit", "version": 1}, "# rps_bot_mnlogit v1\n"),
    )
    register_in_mlflow(tracking_uri, artifacts, Family.MNLOGIT, Alias.SHADOW2, version_of=2)  # no card
    server = LiveServer(
        create_app(settings_for(tmp_path / "cache", mlflow_tracking_uri=tracking_uri))
    ).start()
    server.wait_ready()
    yield server
    server.stop()


def test_a_card_in_the_serving_cache_is_served_as_json_and_markdown(server: LiveServer) -> None:
    with server.client() as client:
        as_json = client.get("/models/rps_bot_xgboost/versions/3/card")
        as_md = client.get("/models/rps_bot_xgboost/versions/3/card", params={"format": "md"})
        accepted = client.get("/models/rps_bot_xgboost/versions/3/card", headers={"Accept": "text/markdown"})
    assert as_json.status_code == 200 and as_json.headers["content-type"] == "application/json"
    assert as_json.json() == CARD
    assert as_md.status_code == 200 and as_md.headers["content-type"].startswith("text/markdown")
    assert as_md.text == MARKDOWN
    assert accepted.text == MARKDOWN


def test_a_card_missing_from_the_cache_comes_from_the_version_s_mlflow_run(server: LiveServer) -> None:
    with server.client() as client:
        as_json = client.get("/models/rps_bot_mnlogit/versions/1/card")
        as_md = client.get("/models/rps_bot_mnlogit/versions/1/card?format=md")
    assert as_json.status_code == 200, as_json.text
    assert as_json.json() == {"family": "rps_bot_mnlogit", "version": 1}
    assert as_md.text == "# rps_bot_mnlogit v1\n"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/models/rps_bot_mnlogit/versions/2/card", "no model card for rps_bot_mnlogit version 2"),
        ("/models/rps_bot_mnlogit/versions/99/card", "no model card for rps_bot_mnlogit version 99"),
        ("/models/rps_bot_lightgbm/versions/5/card", "in neither the serving cache nor the registry"),
    ],
)
def test_no_such_version_or_card_is_a_404_that_says_so(server: LiveServer, path: str, message: str) -> None:
    with server.client() as client:
        response = client.get(path)
    assert response.status_code == 404, response.text
    assert message in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/models/rps_bot_random/versions/1/card", "family: Input should be"),
        ("/models/rps_bot_xgboost/versions/0/card", "version: Input should be greater than or equal to 1"),
        ("/models/rps_bot_xgboost/versions/99999999999/card", "version: Input should be less than"),
        ("/models/rps_bot_xgboost/versions/3/card?format=pdf", "format: Input should be 'json' or 'md'"),
    ],
)
def test_a_bad_family_version_or_format_is_a_422(server: LiveServer, path: str, message: str) -> None:
    with server.client() as client:
        response = client.get(path)
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]


def test_an_unreadable_cache_without_a_registry_is_a_503(tmp_path: Path, serve) -> None:
    settings = settings_for(tmp_path, s3_endpoint_url=f"http://127.0.0.1:{free_port()}", s3_bucket="nowhere")
    server = serve(create_app(settings))
    with server.client() as client:
        response = client.get("/models/rps_bot_xgboost/versions/1/card")
    assert response.status_code == 503
    assert "the serving cache has no card for rps_bot_xgboost version 1" in response.json()["detail"]
