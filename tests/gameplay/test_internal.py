"""Internal endpoints: the token, the promotion history, and Grafana's JSON datasource called as
Grafana calls it (with the shipped dashboard's own queries)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from services.gameplay.app import create_app
from services.gameplay.settings import Settings
from services.promoter.cycle import FamilyOutcome
from services.promoter.decision import Decision, decide
from services.promoter.evidence import Evidence
from shared.events import AliasesChanged, EventStore
from shared.features import Alias, Family
from shared.promotion import save_status
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


def _promoter_cycle(
    client: TestClient, aliases: Mapping[Alias, int], diffs: Mapping[tuple[int, int], Sequence[float]]
) -> Decision:
    """One xgboost cycle as services/promoter/cycle.py runs it, without its MLflow edges: the rule
    decides on the paired games (`diffs`: per game, points of the higher version minus the lower's),
    a decision that moves aliases is a ledger entry, and the cycle's status is saved."""
    family, evidence, store = Family.XGBOOST, Evidence(), _store(client)
    for (low, high), games in diffs.items():
        pair = evidence.pair_for(family, low, high)
        for diff in games:
            pair.diffs = pair.diffs.add(diff)
    at = time.time()
    decision = decide(family, aliases, evidence)
    position = None
    if decision.changes_aliases:
        change = AliasesChanged.between(
            family.value,
            decision.action,
            before=decision.before,
            after=decision.after,
            evidence=decision.evidence,
            reason=decision.reason,
        )
        position = store.append_next(family.value, change).position
    outcome = FamilyOutcome(family, decision, position)
    save_status(store, store.head_position(), {family.value: {**outcome.to_json(), "at": at}})
    return decision


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
    assert found[:3] == ["ledger", "annotations", "evidence"]
    assert found[-2:] == ["bot_win_rate:rps_bot_xgboost:3", "games:rps_bot_xgboost:3"]
    figures = ("mean_points_per_game", "low", "high", "paired_games")
    assert found[3:-2] == [f"paired:{family.value}:{figure}" for family in Family for figure in figures]
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


def test_grafana_serves_the_promoters_paired_evidence_as_it_last_computed_it(client: TestClient) -> None:
    """`evidence` is the last cycle's paired tests (B's and each waiting challenger's, from the saved
    status: nothing folded from the log here); `paired:<family>:<figure>` the test of B at each
    ledger decision, then at the last cycle."""
    losing = [-2.0, -3.0] * 30  # v2 − v1 over 60 paired games: B cannot be meaningfully better
    rejected = _promoter_cycle(client, {Alias.PRODUCTION: 1, Alias.B: 2, Alias.SHADOW1: 3}, {(1, 2): losing})
    assert rejected.action == "reject" and rejected.after[Alias.B] == 3
    running = _promoter_cycle(client, {Alias.PRODUCTION: 1, Alias.B: 3, Alias.SHADOW1: 4}, {(1, 3): [1.5]})
    assert not running.changes_aliases  # a running test: a status, no ledger entry
    figures = ("mean_points_per_game", "low", "high", "paired_games")
    targets = [{"refId": "A", "target": "evidence", "type": "table"}]
    targets += [{"refId": f, "target": f"paired:rps_bot_xgboost:{f}"} for f in figures]
    targets.append({"refId": "L", "target": "paired:rps_bot_lightgbm:low"})
    body = {"range": _range(), "intervalMs": 60_000, "targets": targets}
    table, mean, low, high, games, other = client.post(
        "/internal/grafana/query", json=body, headers=BEARER
    ).json()

    columns = [c["text"] for c in table["columns"]]
    assert columns[1:] == [
        "family",
        "slot",
        "challenger",
        "incumbent",
        *figures[3:],
        *figures[:3],
        "verdict",
        "reason",
    ]
    rows = [dict(zip(columns, row, strict=True)) for row in table["rows"]]
    assert [(r["slot"], r["challenger"], r["incumbent"], r["paired_games"]) for r in rows] == [
        ("B", 3, 1, 1),
        ("waiting", 4, 1, 0),
    ]
    assert rows[0]["mean_points_per_game"] == 1.5 and rows[0]["verdict"] == "continue"
    assert rows[0]["low"] is None and rows[0]["high"] is None  # one paired game: unbounded
    assert rows[0]["reason"] == running.evidence["test"]["reason"]

    decided = rejected.evidence["test"]
    assert [n for n, _ in games["datapoints"]] == [60, 1]  # the reject's figures, then the last cycle's
    assert [m for m, _ in mean["datapoints"]] == [-2.5, 1.5]
    assert [b for b, _ in low["datapoints"]] == [round(decided["low"], 4)]  # unbounded: no point
    (upper, at_ms), *_ = high["datapoints"]
    assert upper == round(decided["high"], 4) and upper < 0.25
    assert at_ms == int(_store(client).ledger()[0].occurred_at.timestamp() * 1000)
    assert games["datapoints"][1][1] > at_ms and other["datapoints"] == []

    past = {**body, "range": {"from": "2020-01-01T00:00:00Z", "to": "2020-01-02T00:00:00Z"}}
    answers = client.post("/internal/grafana/query", json=past, headers=BEARER).json()
    assert [len(a.get("datapoints", [])) for a in answers[1:]] == [0] * 5
    assert len(answers[0]["rows"]) == 2  # the last cycle, whatever the panel's range
    wrong = {**body, "targets": [{"refId": "A", "target": "paired:rps_bot_xgboost:median"}]}
    refused = client.post("/internal/grafana/query", json=wrong, headers=BEARER)
    assert refused.status_code == 422 and "mean_points_per_game" in refused.text


def test_the_shipped_dashboard_queries_are_answered(client: TestClient) -> None:
    _ledger(client, ("rps_bot_xgboost", "promote"), ("rps_bot_xgboost", "rollback"))
    _promoter_cycle(client, {Alias.PRODUCTION: 1, Alias.B: 2}, {(1, 2): [-2.0, -3.0] * 30})  # a reject
    dashboard = json.loads(DASHBOARD.read_text())
    variables = {
        f"${v['name']}": v["current"]["value"]
        for v in dashboard["templating"]["list"]
        if v["type"] == "custom"
    }
    json_panels = [p for p in dashboard["panels"] if (p.get("datasource") or {}).get("uid") == "${ledger}"]
    assert {p["type"] for p in json_panels} == {"table", "timeseries"}
    for panel in json_panels:
        targets = []
        for target in panel["targets"]:
            name = target["target"]
            for variable, value in variables.items():
                name = name.replace(variable, value)
            targets.append({**target, "target": name})
        body = {"range": _range(), "intervalMs": 60_000, "targets": targets}
        answers = client.post("/internal/grafana/query", json=body, headers=BEARER).json()
        assert len(answers) == len(targets), panel["title"]
        for answer in answers:
            assert answer.get("rows") or answer.get("datapoints"), (panel["title"], answer)
    (track,) = dashboard["annotations"]["list"]
    assert track["datasource"]["uid"] == "${ledger}"
    old_protocol = {"range": _range(), "annotation": track}
    events = client.post("/internal/grafana/annotations", json=old_protocol, headers=BEARER).json()
    assert [e["tags"][1] for e in events] == ["rollback", "promote"]
    new_protocol = {"range": _range(), "targets": [track["target"]]}
    (table,) = client.post("/internal/grafana/query", json=new_protocol, headers=BEARER).json()
    assert [c["text"] for c in table["columns"]] == ["time", "title", "text", "tags"]
    assert len(table["rows"]) == 2
