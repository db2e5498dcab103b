"""The cluster keeps each service to its own rights (issue 15): rendered overlays are checked.

Redis requires a password with one ACL user per client, every pod gets only its own Secret with
only what it needs, NetworkPolicies admit only the named peers, MLflow stays inside the cluster,
and no MinIO image is left.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.deploy.tools import KUSTOMIZE_DIR, OVERLAYS, all_containers, created_secrets, objects, pod_spec

REDIS_SCRIPT = (KUSTOMIZE_DIR / "base" / "redis-start.sh").read_text()
S3_SCRIPT = (KUSTOMIZE_DIR / "base" / "seaweedfs-start.sh").read_text()
ENQUEUERS = {"enqueue-training", "enqueue-promotion", "enqueue-archive"}

# Which Secret each workload may read; the rest of the namespace's Secrets are not theirs.
SECRETS_OF = {
    "gameplay": {"rps-gameplay"},
    "inference": {"rps-inference"},
    "worker": {"rps-worker"},
    "relay": {"rps-relay"},
    "mlflow": {"rps-mlflow"},
    "redis": {"rps-redis"},
    "seaweedfs": {"rps-s3"},
    "s3-create-buckets": {"rps-s3"},
    "enqueue-training": {"rps-enqueue"},
    "enqueue-promotion": {"rps-enqueue"},
    "enqueue-archive": {"rps-enqueue"},
    "postgres": {"rps-postgres"},
}

# Which pods (app.kubernetes.io/name) may open a connection to each server.
PEERS_OF = {
    "redis": {"gameplay", "inference", "worker", "relay", *ENQUEUERS},
    "mlflow": {"worker", "inference"},
    "seaweedfs": {"worker", "inference", "mlflow", "s3-create-buckets"},
    "inference": {"gameplay", "worker"},
    "postgres": {"gameplay", "worker", "relay"},
}


def _name(obj: dict[str, Any]) -> str:
    return str(obj["metadata"]["name"])


def _secret_names(spec: dict[str, Any]) -> set[str]:
    names = set()
    for container in all_containers(spec):
        names |= {s["secretRef"]["name"] for s in container.get("envFrom", []) if "secretRef" in s}
        for env in container.get("env", []):
            if ref := env.get("valueFrom", {}).get("secretKeyRef"):
                names.add(ref["name"])
    names |= {v["secret"]["secretName"] for v in spec.get("volumes", []) if "secret" in v}
    return names


def _admitted(objs: list[dict[str, Any]], app: str) -> tuple[set[str], bool]:
    """The app names the NetworkPolicies let into `app`'s pods, and whether anything else gets in."""
    peers: set[str] = set()
    open_to_more = False
    for policy in (o for o in objs if o["kind"] == "NetworkPolicy"):
        selector = policy["spec"]["podSelector"]
        labels = selector.get("matchLabels", {})
        selected = labels.get("app.kubernetes.io/name") == app or any(
            e["key"] == "app.kubernetes.io/name" and app in e["values"]
            for e in selector.get("matchExpressions", [])
        )
        if not selected:
            continue
        for rule in policy["spec"].get("ingress", []):
            for source in rule.get("from", [{}]):
                if "namespaceSelector" in source:
                    continue  # the monitoring namespace's scrapes, checked in test_kustomize
                pods = source.get("podSelector")
                expressions = (pods or {}).get("matchExpressions", [])
                if not expressions:
                    open_to_more = True
                for expression in expressions:
                    assert expression["key"] == "app.kubernetes.io/name" and expression["operator"] == "In"
                    peers |= set(expression["values"])
    return peers, open_to_more


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_minio_and_seaweedfs_is_pinned(overlay: str) -> None:
    images = {c["image"] for o in objects(overlay) if (s := pod_spec(o)) for c in all_containers(s)}
    assert not any("minio" in image for image in images), images
    (seaweedfs,) = (i for i in images if "seaweedfs" in i)
    assert re.fullmatch(r"chrislusf/seaweedfs:\d+\.\d+", seaweedfs), seaweedfs


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_workload_reads_only_its_own_secret(overlay: str) -> None:
    for obj in objects(overlay):
        spec = pod_spec(obj)
        if spec is not None:
            assert _secret_names(spec) <= SECRETS_OF[_name(obj)], _name(obj)


def test_secrets_hold_only_what_each_service_needs() -> None:
    secrets = created_secrets(multi_node=True)
    s3 = secrets["rps-s3"]
    assert set(secrets["rps-gameplay"]) == {
        "INTERNAL_TOKEN",
        "GAME_SECRET",
        "REDIS_PASSWORD",
        "POSTGRES_PASSWORD",
    }
    assert set(secrets["rps-relay"]) == {"REDIS_PASSWORD", "POSTGRES_PASSWORD"}
    assert not any("GAME_SECRET" in keys for name, keys in secrets.items() if name != "rps-gameplay")
    assert secrets["rps-inference"]["AWS_ACCESS_KEY_ID"] == s3["S3_READONLY_ACCESS_KEY"]
    assert secrets["rps-inference"]["AWS_SECRET_ACCESS_KEY"] == s3["S3_READONLY_SECRET_KEY"]
    assert "POSTGRES_PASSWORD" not in secrets["rps-inference"]
    for name in ("rps-worker", "rps-mlflow"):
        assert secrets[name]["AWS_ACCESS_KEY_ID"] == s3["S3_READWRITE_ACCESS_KEY"], name
        assert secrets[name]["AWS_SECRET_ACCESS_KEY"] == s3["S3_READWRITE_SECRET_KEY"], name
    assert set(secrets["rps-mlflow"]) == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    assert set(secrets["rps-enqueue"]) == {"REDIS_PASSWORD"}
    # Each client's Redis password is its own ACL user's.
    redis = secrets["rps-redis"]
    for client in ("gameplay", "inference", "worker", "relay", "enqueue"):
        assert secrets[f"rps-{client}"]["REDIS_PASSWORD"] == redis[f"REDIS_PASSWORD_{client.upper()}"]
    assert len(set(redis.values())) == len(redis)
    # Without --multi-node there is no PostgreSQL password anywhere.
    assert not any("POSTGRES_PASSWORD" in keys for keys in created_secrets().values())


def test_s3_identities_admin_readwrite_readonly() -> None:
    actions = dict(re.findall(r"identity (\w+) .* '([^']*)'", S3_SCRIPT))
    assert actions["readonly"] == '"Read","List"'
    assert "Admin" not in actions["readwrite"] and "Write" in actions["readwrite"]
    assert "Admin" in actions["admin"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_redis_requires_a_password_and_every_client_has_its_own_user(overlay: str) -> None:
    users = dict(re.findall(r'echo "user (\w+) on (.*)"', REDIS_SCRIPT))
    assert users["default"].startswith("nopass") and users["default"].endswith("-@all +ping")
    for name, rules in users.items():
        if name != "default":
            assert rules.startswith(">${REDIS_PASSWORD_"), name
    # Only the worker and the enqueuers may touch RQ's keys: gameplay cannot queue a job.
    for name in ("gameplay", "inference", "relay"):
        assert "~rps:*" in users[name] and "~*" not in users[name].split() and "rq:" not in users[name]
    for obj in objects(overlay):
        spec = pod_spec(obj)
        if spec is None:
            continue
        for container in all_containers(spec):
            if _name(obj) == "redis":
                assert container["command"] == ["/bin/sh", "/scripts/redis-start.sh"]
            for env in container.get("env", []):
                if env["name"] == "REDIS_URL":
                    match = re.fullmatch(r"redis://(\w+):\$\(REDIS_PASSWORD\)@redis:6379/0", env["value"])
                    assert match and match[1] in users, f"{_name(obj)}: {env['value']}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_admit_only_the_named_peers(overlay: str) -> None:
    objs = objects(overlay)
    apps = {_name(o) for o in objs if pod_spec(o) is not None}
    for server, expected in PEERS_OF.items():
        if server not in apps:
            continue  # postgres: multi-node only
        peers, open_to_more = _admitted(objs, server)
        assert not open_to_more, f"{server} admits pods beyond {expected}"
        assert peers == expected, server


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_mlflow_is_reachable_only_inside_the_cluster(overlay: str) -> None:
    objs = objects(overlay)
    services = {_name(o): o for o in objs if o["kind"] == "Service"}
    assert services["mlflow"]["spec"].get("type", "ClusterIP") == "ClusterIP"
    assert all(s["spec"].get("type", "ClusterIP") == "ClusterIP" for s in services.values())
    for ingress in (o for o in objs if o["kind"] == "Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                assert path["backend"]["service"]["name"] == "gameplay"
