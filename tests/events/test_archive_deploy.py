"""The archive's CronJob only enqueues; the worker that runs the job has every setting it reads."""

from __future__ import annotations

from typing import Any

import pytest

from services.relay.settings import Settings
from shared.jobs import TRAINING_QUEUE, WORKER_QUEUES
from tests.deploy.tools import created_secrets, objects, pod_spec


def _environment(container: dict[str, Any], objs: list[dict[str, Any]], multi_node: bool) -> dict[str, str]:
    """The variables the container starts with (Kubernetes' $(VAR) references left as they are)."""
    config_maps = {o["metadata"]["name"]: o.get("data", {}) for o in objs if o["kind"] == "ConfigMap"}
    secrets = created_secrets(multi_node=multi_node)
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env |= config_maps[source["configMapRef"]["name"]]
        else:
            env |= secrets[source["secretRef"]["name"]]
    for var in container.get("env", []):
        ref = var.get("valueFrom", {}).get("secretKeyRef")
        env[var["name"]] = secrets[ref["name"]][ref["key"]] if ref else var["value"]
    return env


@pytest.mark.parametrize("overlay", ["overlays/k3s", "overlays/multi-node"])
def test_the_archive_job_runs_where_the_event_store_and_the_bucket_are(
    overlay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    objs = objects(overlay)
    workloads = {(o["kind"], o["metadata"]["name"]): pod_spec(o) for o in objs if pod_spec(o)}
    multi_node = overlay.endswith("multi-node")
    (enqueue,) = workloads["CronJob", "enqueue-archive"]["containers"]
    assert enqueue["command"] == ["python", "-m", "services.relay", "archive", "--enqueue"]
    assert _environment(enqueue, objs, multi_node)["REDIS_URL"].startswith("redis://enqueue:")

    worker = workloads["Deployment", "worker"]
    assert worker is not None
    assert TRAINING_QUEUE in WORKER_QUEUES  # the archive's queue: the default worker's
    (runner,) = [c for c in worker["containers"] if c["command"] == ["python", "-m", "services.worker"]]
    env = _environment(runner, objs, multi_node)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings()  # what services.relay.jobs.archive_job reads there: it validates
    assert settings.s3_endpoint_url == "http://seaweedfs:8333" and env["AWS_ACCESS_KEY_ID"]
    assert settings.metrics_window_days == int(env["METRICS_WINDOW_DAYS"])
    if settings.database_url.startswith("sqlite:"):
        assert settings.database_url == "sqlite:////data/rps.db"
        assert {"name": "data", "mountPath": "/data"} in runner["volumeMounts"]
    else:
        assert settings.database_url.startswith("postgresql+psycopg://rps:$(POSTGRES_PASSWORD)@postgres:")
        assert "POSTGRES_PASSWORD" in env
    (to_s3,) = [
        o for o in objs if o["kind"] == "NetworkPolicy" and o["metadata"]["name"].startswith("s3-from")
    ]
    (allowed,) = to_s3["spec"]["ingress"][0]["from"][0]["podSelector"]["matchExpressions"]
    assert "worker" in allowed["values"]
