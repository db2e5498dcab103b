"""Metrics: every one the code registers is in docs/metrics.md; every PromQL expression
in the dashboard and the alert rules parses and names metrics that exist."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from shared.features import FAMILIES
from tests.conftest import service_unavailable
from tests.deploy.metric_names import exposed_series, metrics_in_source, registered_metrics
from tests.deploy.tools import REPO

DOCS = REPO / "docs" / "metrics.md"
DASHBOARD = REPO / "deploy" / "grafana" / "rps-mlops.json"
ALERTS = REPO / "deploy" / "prometheus" / "alerts.yaml"
# Metrics of Prometheus itself that the rules may use besides ours.
STANDARD_SERIES = {"up"}
# Grafana's variables, replaced by a valid value before parsing.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1d", "$window": "1d"}
_PROMQL_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_DOUBLE_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_RPS_NAME = re.compile(r"(?<![\w:])rps_[a-z0-9_]+")


def _rps_names(expression: str) -> set[str]:
    """rps_ identifiers outside string literals (label values such as "rps_bot_xgboost" are not metrics)."""
    return set(_RPS_NAME.findall(_PROMQL_STRING.sub('""', expression)))


def _documented_names() -> set[str]:
    """rps_ names in docs/metrics.md, outside double quotes (backticks and apostrophes are prose)."""
    return set(_RPS_NAME.findall(_DOUBLE_QUOTED.sub('""', DOCS.read_text())))


def _dashboard_expressions() -> Iterator[tuple[str, str]]:
    def panels(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for panel in items:
            yield panel
            yield from panels(panel.get("panels", []))

    dashboard = json.loads(DASHBOARD.read_text())
    for panel in panels(dashboard["panels"]):
        for target in panel.get("targets", []):
            if target["datasource"]["type"] == "prometheus":  # the others query gameplay's JSON datasource
                yield f"panel '{panel['title']}'", target["expr"]
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") == "query":
            query = variable["query"]
            yield f"variable {variable['name']}", query if isinstance(query, str) else query["query"]


def _alert_rules() -> list[dict[str, Any]]:
    return [rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]]


def _all_expressions() -> list[tuple[str, str]]:
    rules = [(f"rule {r.get('alert') or r.get('record')}", str(r["expr"])) for r in _alert_rules()]
    return [*_dashboard_expressions(), *rules]


def _grafana_free(expression: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        expression = expression.replace(variable, value)
    assert "$" not in expression, f"unknown Grafana variable in {expression}"
    return expression


def test_metric_names_in_the_code_are_literal_and_prefixed() -> None:
    found, dynamic = metrics_in_source()
    assert not dynamic, f"metric names must be string literals (so they can be checked): {dynamic}"
    assert found, "no Prometheus metric found in services/ or shared/"
    assert all(m.name.startswith("rps_") for m in found), [m.name for m in found]


def test_every_registered_metric_is_documented() -> None:
    documented = _documented_names()
    missing = [
        f"{m.name} ({m.where})"
        for m in registered_metrics().values()
        if not ({m.name, m.family} | m.series) & documented
    ]
    assert not missing, f"metrics missing from docs/metrics.md: {missing}"


def test_docs_name_no_metric_that_does_not_exist() -> None:
    known = exposed_series() | set(registered_metrics()) | {m.name for m in registered_metrics().values()}
    model_names = {family.value for family in FAMILIES}
    stale = _documented_names() - known - model_names
    assert not stale, f"docs/metrics.md names metrics the code does not register: {sorted(stale)}"


@pytest.mark.parametrize(("where", "expression"), _all_expressions())
def test_every_promql_expression_names_existing_metrics(where: str, expression: str) -> None:
    names = _rps_names(expression)
    assert names or set(re.findall(r"\b\w+\b", expression)) & STANDARD_SERIES, (
        f"{where}: no metric in {expression}"
    )
    unknown = names - exposed_series()
    assert not unknown, f"{where}: {sorted(unknown)} are not series the code exposes"


@pytest.mark.parametrize(("where", "expression"), _all_expressions())
def test_every_promql_expression_parses(where: str, expression: str) -> None:
    try:
        import promql_parser
    except ImportError:
        service_unavailable("promql-parser is not installed (a dev dependency)")
    try:
        promql_parser.parse(_grafana_free(expression))
    except Exception as exc:  # the parser raises a bare ValueError/RuntimeError
        pytest.fail(f"{where}: {expression!r} does not parse: {exc}")


def test_alert_rules_are_complete() -> None:
    rules = _alert_rules()
    names = {rule["alert"] for rule in rules}
    assert {"RpsFallbackRateHigh", "RpsInferenceErrorRateHigh", "RpsPromotionFlipFlop"} <= names
    for rule in rules:
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]


def test_dashboard_shows_what_the_issue_asks_for() -> None:
    expressions = " ".join(expression for _, expression in _dashboard_expressions())
    titles = " ".join(p["title"].lower() for p in json.loads(DASHBOARD.read_text())["panels"])
    for topic in ("games", "win rate", "latency", "fallback", "promotion", "training"):
        assert topic in titles or topic in expressions, topic
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["title"]
    datasources = {"prometheus": "${datasource}", "simpod-json-datasource": "${ledger}"}
    for panel in dashboard["panels"]:
        if panel["type"] not in {"row", "text"}:
            assert panel["datasource"]["uid"] == datasources[panel["datasource"]["type"]], panel["title"]
