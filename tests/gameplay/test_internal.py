"""Internal endpoints: the token, promotion reports into the ledger, the history for Grafana."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.gameplay.app import create_app
from services.gameplay.settings import Settings
from tests.gameplay.conftest import TOKEN
from tests.gameplay.events_factory import aliases_changed

BEARER = {"Authorization": f"Bearer {TOKEN}"}


def test_internal_endpoints_need_the_token(client: TestClient) -> None:
    missing = client.get("/internal/promotion/history")
    assert missing.status_code == 401 and "Bearer" in missing.json()["detail"]
    wrong = client.post(
        "/internal/promotion/report", json=aliases_changed(), headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 403
    assert client.get("/internal/promotion/history", headers={"X-Internal-Token": TOKEN}).status_code == 200
    assert client.get("/internal/promotion/history", headers=BEARER).status_code == 200
    assert client.get("/internal/promotion/history").status_code == 401


def test_without_a_configured_token_internal_endpoints_are_off(settings: Settings) -> None:
    with TestClient(create_app(settings.model_copy(update={"internal_token": None}))) as client:
        response = client.get("/internal/promotion/history", headers=BEARER)
    assert response.status_code == 503 and "INTERNAL_TOKEN" in response.json()["detail"]


def test_promotion_reports_land_in_the_ledger_and_the_history(client: TestClient) -> None:
    first = client.post("/internal/promotion/report", json=aliases_changed(action="register"), headers=BEARER)
    assert first.status_code == 200 and first.json()["seq"] == 1
    client.post("/internal/promotion/report", json=aliases_changed("rps_bot_lightgbm"), headers=BEARER)
    client.post("/internal/promotion/report", json=aliases_changed(action="rollback"), headers=BEARER)
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
    store = client.app.state.service.store
    assert [e.action for e in store.ledger(family="rps_bot_xgboost")] == ["rollback", "register"]


def test_bad_promotion_reports_are_422(client: TestClient) -> None:
    bad_action = client.post(
        "/internal/promotion/report", json={**aliases_changed(), "action": "yolo"}, headers=BEARER
    )
    assert bad_action.status_code == 422 and "promote" in bad_action.text
    bad_family = client.post(
        "/internal/promotion/report", json={**aliases_changed(), "family": "nope"}, headers=BEARER
    )
    assert bad_family.status_code == 422 and "rps_bot_xgboost" in bad_family.text
    assert (
        client.get("/internal/promotion/history", params={"family": "nope"}, headers=BEARER).status_code
        == 422
    )
