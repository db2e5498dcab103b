"""Every overlay renders and validates; the k3s node's memory budget; the cluster rules of DESIGN §8."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from tests.deploy.tools import (
    MEMORY_BUDGET_BYTES,
    OVERLAYS,
    all_containers,
    created_secrets,
    kubernetes_validate,
    objects,
    parse_quantity,
    pod_spec,
    render,
)

NAMESPACE = "mlops-poc"
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass"}


def _by_kind(objs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objs if o["kind"] == kind}


def _workloads(objs: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(o, spec) for o in objs if (spec := pod_spec(o)) is not None]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_and_validates_strictly(overlay: str, tmp_path) -> None:
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(render(overlay))
    result = subprocess.run(
        [kubernetes_validate(), "--strict", "--quiet", str(rendered)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_namespaced_object_is_in_mlops_poc(overlay: str) -> None:
    for obj in objects(overlay):
        if obj["kind"] not in CLUSTER_SCOPED:
            assert obj["metadata"].get("namespace") == NAMESPACE, obj["metadata"]["name"]


def test_k3s_memory_limits_fit_in_three_and_a_half_gib() -> None:
    total = 0.0
    lines = []
    for obj, spec in _workloads(objects("overlays/k3s")):
        # CronJob and Job pods count once: concurrencyPolicy Forbid / parallelism 1.
        replicas = obj["spec"].get("replicas", 1) if obj["kind"] in {"Deployment", "StatefulSet"} else 1
        for container in all_containers(spec):
            limit = container.get("resources", {}).get("limits", {}).get("memory")
            assert limit, f"{obj['kind']}/{obj['metadata']['name']}/{container['name']} has no memory limit"
            total += replicas * parse_quantity(limit)
            lines.append(f"{obj['metadata']['name']}/{container['name']} x{replicas}: {limit}")
    summary = "\n".join(lines)
    assert total <= MEMORY_BUDGET_BYTES, f"{total / 2**30:.2f} GiB > 3.5 GiB:\n{summary}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_requests_limits_and_runs_non_root_read_only(overlay: str) -> None:
    for obj, spec in _workloads(objects(overlay)):
        name = f"{obj['kind']}/{obj['metadata']['name']}"
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec.get("automountServiceAccountToken") is False, name
        for container in all_containers(spec):
            resources = container.get("resources", {})
            for part in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(part, {})), f"{name}: {part}"
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_our_image_always_has_a_writable_tmp(overlay: str) -> None:
    for obj, spec in _workloads(objects(overlay)):
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for container in all_containers(spec):
            if not container["image"].startswith("rps-mlops"):
                continue
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            assert "/tmp" in mounts, f"{obj['metadata']['name']}: HOME=/tmp must be writable"
            assert "emptyDir" in volumes[mounts["/tmp"]]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_trainers_rows_cache_is_on_a_mounted_volume(overlay: str) -> None:
    """The root filesystem is read-only: the worker's TRAINING_CACHE_DIR must be under one of its mounts."""
    (worker,) = [
        c
        for o, s in _workloads(objects(overlay))
        for c in all_containers(s)
        if o["metadata"]["name"] == "worker" and c["name"] == "worker"
    ]
    env = {e["name"]: e.get("value") for e in worker.get("env", [])}
    mounts = [m["mountPath"] for m in worker.get("volumeMounts", [])]
    assert any(env["TRAINING_CACHE_DIR"].startswith(f"{m}/") for m in mounts), (
        env["TRAINING_CACHE_DIR"],
        mounts,
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_http_services_have_health_and_readiness_probes(overlay: str) -> None:
    deployments = _by_kind(objects(overlay), "Deployment")
    for name in ("gameplay", "inference"):
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    for obj, spec in _workloads(objects(overlay)):
        if obj["kind"] in {"Deployment", "StatefulSet"} and obj["metadata"]["name"] != "worker":
            for container in spec["containers"]:
                assert "readinessProbe" in container and "livenessProbe" in container, obj["metadata"]["name"]


def test_base_has_every_part_of_design_section_8() -> None:
    objs = objects("base")
    assert set(_by_kind(objs, "Deployment")) >= {"gameplay", "inference", "worker", "redis", "mlflow"}
    assert "seaweedfs" in _by_kind(objs, "StatefulSet")
    assert set(_by_kind(objs, "Service")) >= {"gameplay", "inference", "redis", "seaweedfs", "mlflow"}
    pvcs = _by_kind(objs, "PersistentVolumeClaim")
    assert pvcs["data-pvc"]["spec"]["resources"]["requests"]["storage"] == "1Gi"
    assert "s3-storage-pvc" in pvcs
    assert _by_kind(objs, "Deployment")["worker"]["spec"]["replicas"] == 1


def test_cronjobs_only_enqueue_and_never_overlap() -> None:
    cronjobs = _by_kind(objects("base"), "CronJob")
    commands = set()
    for cronjob in cronjobs.values():
        assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
        container = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
        assert container["command"][-1] == "--enqueue"
        commands.add(container["command"][2])
    assert commands == {"services.trainer", "services.promoter", "services.relay"}


def test_no_secret_values_in_the_repository_and_every_referenced_key_is_created() -> None:
    for overlay in OVERLAYS:
        objs = objects(overlay)
        assert not _by_kind(objs, "Secret"), "Secrets must not be generated from the repository"
        created = created_secrets(multi_node=overlay == "overlays/multi-node")
        for obj, spec in _workloads(objs):
            for container in all_containers(spec):
                for env in container.get("env", []):
                    ref = env.get("valueFrom", {}).get("secretKeyRef")
                    if ref:
                        assert ref["key"] in created[ref["name"]], f"{obj['metadata']['name']}: {ref}"
                for source in container.get("envFrom", []):
                    if "secretRef" in source:
                        assert source["secretRef"]["name"] in created, obj["metadata"]["name"]


def test_only_gameplay_is_reachable_from_outside_the_namespace() -> None:
    policies = _by_kind(objects("base"), "NetworkPolicy")
    deny = policies["default-deny-ingress"]["spec"]
    assert deny["podSelector"] == {} and "ingress" not in deny
    for name, policy in policies.items():
        for rule in policy["spec"].get("ingress", []):
            sources = rule.get("from")
            if sources is None:  # from anywhere
                assert policy["spec"]["podSelector"] == {
                    "matchLabels": {"app.kubernetes.io/name": "gameplay"}
                }
                continue
            for source in sources:
                if "namespaceSelector" in source or "ipBlock" in source:
                    assert name == "allow-metrics-scrape", name
                assert source != {"podSelector": {}}, f"{name} admits every pod of the namespace"


def test_k3s_ingress_does_not_route_internal_or_metrics() -> None:
    ingress = _by_kind(objects("overlays/k3s"), "Ingress")["gameplay"]
    paths = [p["path"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
    assert paths and all(p != "/" for p in paths)
    for path in paths:
        assert not path.startswith(("/internal", "/metrics", "/models")), path


def test_multi_node_uses_postgres_replicas_and_an_hpa() -> None:
    objs = objects("overlays/multi-node")
    deployments = _by_kind(objs, "Deployment")
    assert "postgres" in _by_kind(objs, "StatefulSet")
    assert set(_by_kind(objs, "HorizontalPodAutoscaler")) >= {"gameplay", "inference"}
    for name in ("gameplay", "inference"):
        assert deployments[name]["spec"]["replicas"] >= 2
    for name in ("gameplay", "worker"):
        spec = deployments[name]["spec"]["template"]["spec"]
        for container in spec["containers"]:  # the worker's job-metrics sidecar reads the log too
            env = {e["name"]: e for e in container["env"]}
            assert env["DATABASE_URL"]["value"].startswith("postgresql+psycopg://"), container["name"]
        assert all(v.get("persistentVolumeClaim", {}).get("claimName") != "data-pvc" for v in spec["volumes"])


def test_bucket_job_creates_the_bucket_the_services_use() -> None:
    objs = objects("base")
    config = next(
        o for o in objs if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("rps-config")
    )
    job = _by_kind(objs, "Job")["s3-create-buckets"]
    command = job["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[:4] == ["python", "-m", "services.worker", "create-buckets"]
    endpoint = command[command.index("--endpoint-url") + 1]
    assert endpoint == config["data"]["S3_ENDPOINT_URL"]
    assert {config["data"]["S3_BUCKET"], "mlflow"} <= set(command[6:])
