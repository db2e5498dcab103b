"""Internal endpoints: the token, the promotion history, and Grafana's JSON datasource called as
Grafana calls it (with the shipped dashboard's own queries)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from services.gameplay.app import create_app
from services.gameplay.settings import Settings
from shared.events import AliasesChanged, EventStore
from tests.gameplay.conftest import TOKEN
from tests.gameplay.events_factory import aliases_changed, whole_game

BEARER = {"Authorization": f"Bearer {TOKEN}"}
DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "rps-mlops.json"


def _store(client: TestClient) -> EventStore:
    store: EventStore = client.app.state.service.store
    return store


def _ledger(client: TestClient, *entries: tuple[str, str]) -> None:
    """AliasesChanged events as the promoter and trainer append them (family, action)."""
    for family, action in entries:
        _store(client).append_next(family, AliasesChanged.from_json(aliases_changed(family, action)))


def _range(hours: float = 1.0) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "from": (now - timedelta(hours=hours)).isoformat().replace("+00:00", "Z"),
        "to": (now + timedelta(minutes=1)).isoformat().replace("+00:00", "Z"),
        "raw": {"from": "now-1h", "to": "now"},
    }


def test_internal_endpoints_need_the_token(client: TestClient) -> None:
    missing = client.get("/internal/promotion/history")
    assert missing.status_code == 401 and "Bearer" in missing.json()["detail"]
    wrong = client.post("/internal/grafana/search", json={}, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    assert client.get("/internal/grafana/").status_code == 401
    assert client.get("/internal/promotion/history", headers={"X-Internal-Token": TOKEN}).status_code == 200
    assert client.get("/internal/promotion/history", headers=BEARER).status_code == 200


def test_without_a_configured_token_internal_endpoints_are_off(settings: Settings) -> None:
    with TestClient(create_app(settings.model_copy(update={"internal_token": None}))) as client:
        response = client.get("/internal/promotion/history", headers=BEARER)
    assert response.status_code == 503 and "INTERNAL_TOKEN" in response.json()["detail"]


def test_the_history_lists_the_ledger_newest_first(client: TestClient) -> None:
    _ledger(
        client,
        ("rps_bot_xgboost", "register"),
        ("rps_bot_lightgbm", "promote"),
        ("rps_bot_xgboost", "rollback"),
    )
    rows = client.get("/internal/promotion/history", headers=BEARER).json()
    assert [(r["family"], r["action"]) for r in rows] == [
        ("rps_bot_xgboost", "rollback"),
        ("rps_bot_lightgbm", "promote"),
        ("rps_bot_xgboost", "register"),
    ]
    row = rows[0]
    assert row["before"] == {"Production": 1, "B": 2} and row["after"] == {"Production": 2, "B": 1}
    assert row["evidence_summary"] == "games_b=120, p_value=0.01" and row["reason"] == "B won more games"
    assert row["time"].endswith("+00:00") and row["time_ms"] > 0
    only = client.get(
        "/internal/promotion/history", params={"family": "rps_bot_xgboost", "limit": 1}, headers=BEARER
    )
    assert [r["action"] for r in only.json()] == ["rollback"]
    bad = client.get("/internal/promotion/history", params={"family": "nope"}, headers=BEARER)
    assert bad.status_code == 422


def test_nothing_posts_reports_into_the_ledger(client: TestClient) -> None:
    response = client.post("/internal/promotion/report", json=aliases_changed(), headers=BEARER)
    assert response.status_code in (404, 405)
    assert _store(client).ledger() == []


def test_grafana_test_connection_and_search(client: TestClient) -> None:
    assert client.get("/internal/grafana/", headers=BEARER).json() == {"status": "ok"}
    _store(client).append(whole_game("g1", winner="bot"))
    _store(client).append(whole_game("g2", winner="user", is_test=True))  # not a version's evidence
    found = client.post("/internal/grafana/search", json={"target": ""}, headers=BEARER).json()
    assert found == ["ledger", "annotations", "bot_win_rate:rps_bot_xgboost:3", "games:rps_bot_xgboost:3"]
    only = client.post("/internal/grafana/search", json={"target": "WIN_rate"}, headers=BEARER).json()
    assert only == ["bot_win_rate:rps_bot_xgboost:3"]
    metrics = client.post("/internal/grafana/metrics", json={}, headers=BEARER).json()
    assert metrics[0] == {"label": "ledger", "value": "ledger", "payloads": []}


def test_grafana_query_answers_time_series_and_tables(client: TestClient) -> None:
    store = _store(client)
    for n, winner in enumerate(("bot", "bot", "user", "bot")):
        store.append(whole_game(f"g{n}", winner=winner))
    _ledger(client, ("rps_bot_xgboost", "promote"))
    body = {
        "panelId": 1,
        "range": _range(),
        "intervalMs": 3_600_000,
        "maxDataPoints": 100,
        "targets": [
            {"refId": "A", "target": "bot_win_rate:rps_bot_xgboost:3", "type": "timeserie"},
            {"refId": "B", "target": "games:rps_bot_xgboost:3"},
            {"refId": "C", "target": "ledger", "type": "table"},
        ],
        "scopedVars": {"__interval": {"text": "1h", "value": "1h"}},
    }
    win_rate, games, ledger = client.post("/internal/grafana/query", json=body, headers=BEARER).json()
    assert win_rate["target"] == "bot_win_rate:rps_bot_xgboost:3"
    assert sum(n for n, _ in games["datapoints"]) == 4
    (value, at_ms), *_ = win_rate["datapoints"]
    if len(win_rate["datapoints"]) == 1:  # the four games fell into one hour bucket
        assert value == 0.75
    assert at_ms % 3_600_000 == 0
    assert ledger["type"] == "table"
    assert [c["text"] for c in ledger["columns"]] == ["Time", "family", "action", "before", "after", "reason"]
    assert ledger["rows"][0][1:3] == ["rps_bot_xgboost", "promote"]
    assert ledger["rows"][0][3] == "B=2, Production=1"

    unknown = {**body, "targets": [{"refId": "A", "target": "nope"}]}
    refused = client.post("/internal/grafana/query", json=unknown, headers=BEARER)
    assert refused.status_code == 422 and "ledger" in refused.json()["detail"]
    past = {**body, "range": {"from": "2020-01-01T00:00:00Z", "to": "2020-01-02T00:00:00Z"}}
    empty = client.post("/internal/grafana/query", json=past, headers=BEARER).json()
    assert [t.get("datapoints", t.get("rows")) for t in empty] == [[], [], []]
    no_range = client.post("/internal/grafana/query", json={"targets": []}, headers=BEARER)
    assert no_range.status_code == 422


def test_grafana_annotations_are_promotions_and_rollbacks(client: TestClient) -> None:
    _ledger(
        client,
        ("rps_bot_xgboost", "register"),
        ("rps_bot_xgboost", "promote"),
        ("rps_bot_lightgbm", "retain"),
        ("rps_bot_lightgbm", "rollback"),
    )
    annotation = {"name": "Promotions", "datasource": "RPS", "enable": True, "iconColor": "red", "query": ""}
    body = {"range": _range(), "rangeRaw": {"from": "now-1h", "to": "now"}, "annotation": annotation}
    events = client.post("/internal/grafana/annotations", json=body, headers=BEARER).json()
    assert [e["tags"] for e in events] == [["rps_bot_lightgbm", "rollback"], ["rps_bot_xgboost", "promote"]]
    assert events[1]["title"] == "rps_bot_xgboost: promote (Production v1 → v2)"
    assert events[1]["text"] == "B won more games" and events[1]["annotation"]["name"] == "Promotions"
    assert isinstance(events[0]["time"], int)
    chosen = {**body, "annotation": {**annotation, "query": "register,retain, rps_bot_xgboost"}}
    picked = client.post("/internal/grafana/annotations", json=chosen, headers=BEARER).json()
    assert [e["tags"] for e in picked] == [["rps_bot_xgboost", "register"]]


def test_the_shipped_dashboard_queries_are_answered(client: TestClient) -> None:
    _ledger(client, ("rps_bot_xgboost", "promote"), ("rps_bot_xgboost", "rollback"))
    dashboard = json.loads(DASHBOARD.read_text())
    json_panels = [p for p in dashboard["panels"] if (p.get("datasource") or {}).get("uid") == "${ledger}"]
    assert json_panels, "the dashboard has no panel on the JSON datasource"
    for panel in json_panels:
        body = {"range": _range(), "intervalMs": 60_000, "targets": panel["targets"]}
        (table,) = client.post("/internal/grafana/query", json=body, headers=BEARER).json()
        assert len(table["rows"]) == 2, panel["title"]
    (track,) = dashboard["annotations"]["list"]
    assert track["datasource"]["uid"] == "${ledger}"
    old_protocol = {"range": _range(), "annotation": track}
    events = client.post("/internal/grafana/annotations", json=old_protocol, headers=BEARER).json()
    assert [e["tags"][1] for e in events] == ["rollback", "promote"]
    new_protocol = {"range": _range(), "targets": [track["target"]]}
    (table,) = client.post("/internal/grafana/query", json=new_protocol, headers=BEARER).json()
    assert [c["text"] for c in table["columns"]] == ["time", "title", "text", "tags"]
    assert len(table["rows"]) == 2
