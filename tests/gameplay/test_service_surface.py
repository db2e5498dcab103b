"""What operators and other services see: OpenAPI, health, metrics and their docs, UI pages, CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from services.gameplay.__main__ import main
from services.gameplay.app import create_app
from services.gameplay.settings import Settings
from services.relay.__main__ import main as relay_main
from shared.events import EventStore
from tests.gameplay.conftest import play_to_end, start

DOCS = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
PUBLIC = {
    ("post", "/start_game"),
    ("post", "/play"),
    ("get", "/games/{game_id}"),
    ("get", "/games/{game_id}/features"),
    ("get", "/stats"),
    ("get", "/leaderboard"),
    ("get", "/policies"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/internal/promotion/history"),
    ("post", "/internal/grafana/search"),
    ("post", "/internal/grafana/query"),
    ("post", "/internal/grafana/annotations"),
}


def test_openapi_describes_every_request_and_response(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    operations = {(method, path): op for path, item in schema["paths"].items() for method, op in item.items()}
    assert set(operations) >= PUBLIC
    for key in PUBLIC:
        ok = operations[key]["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok.get("$ref") or ok.get("items"), key
        if key[0] == "post":
            assert "$ref" in operations[key]["requestBody"]["content"]["application/json"]["schema"], key
    play = schema["components"]["schemas"]["PlayResponse"]["properties"]
    assert {"bot_source", "next_round_points", "winner", "model_version"} <= set(play)


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz").json()
    assert ready["status"] == "ok" and ready["checks"]["database"] == "ok"


def test_every_gameplay_metric_is_exposed_and_documented(client: TestClient) -> None:
    game = start(client)
    play_to_end(client, game["game_id"])
    exposed = {
        family.name
        for family in text_string_to_metric_families(client.get("/metrics").text)
        if family.name.startswith("rps_gameplay_") and not family.name.endswith("_created")
    }
    assert len(exposed) >= 10
    section = DOCS.read_text().split("## Gameplay", 1)[1].split("\n## ", 1)[0]
    documented = {name.removesuffix("_total") for name in re.findall(r"`(rps_gameplay_[a-z_]+)`", section)}
    assert exposed == documented  # both ways: nothing undocumented, nothing documented that is gone


def test_ui_pages_are_served_or_explain_they_are_missing(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "ui-lite.html").write_text("<!doctype html><title>lite</title>")
    with TestClient(create_app(settings.model_copy(update={"static_dir": tmp_path}))) as client:
        page = client.get("/ui-lite")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        missing = client.get("/ui-lite-debug")
        assert missing.status_code == 503 and "ui-lite-debug.html" in missing.json()["detail"]
        assert client.get("/static/ui-lite.html").status_code == 200


def test_cli_migrates_and_the_relay_rebuilds_the_projections(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SERVING_CACHE_DIR", str(tmp_path / "cache"))  # where the archive would be
    assert main(["migrate"]) == 0
    with TestClient(create_app(settings)) as client:
        game = start(client)
        play_to_end(client, game["game_id"])
        live = client.app.state.service.store.queries.projection_snapshot()
    with pytest.raises(SystemExit):
        main(["rebuild-projections"])  # one rebuild, the archive-aware one: services.relay's
    assert relay_main(["rebuild-projections"]) == 0
    assert "rebuilt the projections from" in capsys.readouterr().out
    store = EventStore.from_url(settings.database_url)
    assert store.queries.projection_snapshot() == live
    store.close()


def test_cli_rejects_unknown_commands() -> None:
    with pytest.raises(SystemExit):
        main(["explode"])
