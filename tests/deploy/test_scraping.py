"""Alloy can scrape every pod that asks to be scraped: annotation, named port, NetworkPolicy."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.deploy.tools import OVERLAYS, REPO, objects, pod_spec

ALLOY = (REPO / "deploy" / "alloy" / "config.alloy").read_text()
ALERTS = (REPO / "deploy" / "prometheus" / "alerts.yaml").read_text()
MONITORING_NAMESPACE = "monitoring"


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        value = labels.get(expression["key"])
        if expression["operator"] == "In" and value not in expression["values"]:
            return False
        if expression["operator"] == "NotIn" and value in expression["values"]:
            return False
    return True


def _admits_monitoring(policies: list[dict[str, Any]], labels: dict[str, str], port: int) -> bool:
    for policy in policies:
        if not _selects(policy["spec"]["podSelector"], labels):
            continue
        for rule in policy["spec"].get("ingress", []):
            ports = {p["port"] for p in rule.get("ports", [])}
            if ports and port not in ports:
                continue
            sources = rule.get("from")
            if sources is None:
                return True
            for source in sources:
                namespaces = source.get("namespaceSelector", {}).get("matchLabels", {})
                if namespaces.get("kubernetes.io/metadata.name") == MONITORING_NAMESPACE:
                    return True
    return False


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_annotated_pod_is_scrapable_by_alloy(overlay: str) -> None:
    objs = objects(overlay)
    policies = [o for o in objs if o["kind"] == "NetworkPolicy"]
    scraped = []
    for obj in objs:
        spec = pod_spec(obj)
        if spec is None or obj["kind"] == "CronJob":
            continue
        template = obj["spec"]["template"]["metadata"]
        annotations = template.get("annotations", {})
        if annotations.get("prometheus.io/scrape") != "true":
            continue
        port = int(annotations["prometheus.io/port"])
        named = {p["containerPort"]: p.get("name") for c in spec["containers"] for p in c.get("ports", [])}
        assert named.get(port) in {"http", "metrics"}, f"{obj['metadata']['name']}: port {port} must be named"
        assert _admits_monitoring(policies, template["labels"], port), f"{obj['metadata']['name']}: blocked"
        scraped.append(obj["metadata"]["name"])
    assert {"gameplay", "inference"} <= set(scraped)


def test_alloy_scrapes_the_namespace_under_the_job_name_the_alerts_use() -> None:
    assert re.search(r'names\s*=\s*\["mlops-poc"\]', ALLOY)
    job = re.search(r'job_name\s*=\s*"([^"]+)"', ALLOY)
    assert job and f'job="{job.group(1)}"' in ALERTS
    assert 'regex         = "http|metrics"' in ALLOY
    assert ALLOY.count("{") == ALLOY.count("}")
