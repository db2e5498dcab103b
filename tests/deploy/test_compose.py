"""docker-compose.yml: valid, secrets required from the environment, start order by health.

Also: host ports on 127.0.0.1 and overridable, the build arguments, and each service given only
its own credentials (the cluster's rules, tests/deploy/test_least_privilege.py).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from typing import Any

import pytest

from tests.deploy.tools import REPO, compose_binary

EXAMPLE = (REPO / ".env.example").read_text()
SECRETS = {
    key: f"{key.lower()}-value" for key in re.findall(r"^([A-Z][A-Z0-9_]*)=$", EXAMPLE, flags=re.MULTILINE)
}


def _compose(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_") and k not in SECRETS}
    # --env-file /dev/null: a developer's .env must not leak into what is checked here.
    return subprocess.run(
        [compose_binary(), "-f", str(REPO / "docker-compose.yml"), "--env-file", os.devnull, *args],
        capture_output=True,
        text=True,
        env=clean | env,
        cwd=REPO,
    )


def _config(env: dict[str, str] | None = None) -> dict[str, Any]:
    result = _compose(["config", "--format", "json"], SECRETS | (env or {}))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_config_is_valid_with_the_secrets_set() -> None:
    result = _compose(["config", "-q"], SECRETS)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_compose_refuses_to_start_without_a_secret(missing: str) -> None:
    env = {k: v for k, v in SECRETS.items() if k != missing}
    result = _compose(["config", "-q"], env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_compose_runs_every_service_of_the_system() -> None:
    services = _config()["services"]
    assert set(services) >= {
        "redis",
        "seaweedfs",
        "s3-init",
        "mlflow",
        "gameplay",
        "inference",
        "worker",
        "scheduler",
    }
    commands = {name: " ".join(s.get("command") or []) for name, s in services.items()}
    assert commands["worker"] == "python -m services.worker --shutdown cold"
    assert commands["scheduler"] == "python -m services.scheduler"
    assert commands["s3-init"].startswith("python -m services.worker create-buckets")


def test_compose_starts_in_order_of_health() -> None:
    services = _config()["services"]
    for name in ("redis", "mlflow", "gameplay", "inference"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            wanted = condition["condition"]
            if wanted == "service_healthy":
                assert services[dependency].get("healthcheck"), f"{name} waits for {dependency}'s health"
    assert services["mlflow"]["depends_on"]["s3-init"]["condition"] == "service_completed_successfully"
    assert services["gameplay"]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_app_containers_use_the_serving_or_training_image_and_the_event_store_volume() -> None:
    services = _config()["services"]
    images = {name: services[name]["image"] for name in services}
    for name in ("gameplay", "inference", "relay", "scheduler", "job-metrics", "s3-init"):
        assert images[name] == "rps-mlops-serving:local", name
        assert services[name]["build"]["target"] == "serving"
    for name in ("worker", "mlflow"):
        assert images[name] == "rps-mlops-training:local", name
        assert services[name]["build"]["target"] == "training"
    for name in ("gameplay", "worker"):
        assert services[name]["environment"]["DATABASE_URL"] == "sqlite:////data/rps.db"
        assert any(v["source"] == "rps-data" and v["target"] == "/data" for v in services[name]["volumes"])


def test_host_ports_listen_on_localhost_and_can_be_moved() -> None:
    defaults = _config()["services"]
    moved = _config({"GAMEPLAY_PORT": "18000", "INFERENCE_PORT": "18001", "MLFLOW_PORT": "15000"})["services"]
    published = {name: s.get("ports", []) for name, s in defaults.items()}
    assert {name for name, ports in published.items() if ports} >= {"gameplay", "inference", "mlflow"}
    for ports in published.values():
        for port in ports:
            assert port["host_ip"] == "127.0.0.1", port
    assert [p["published"] for p in moved["gameplay"]["ports"]] == ["18000"]
    assert [p["published"] for p in moved["inference"]["ports"]] == ["18001"]
    assert [p["published"] for p in moved["mlflow"]["ports"]] == ["15000"]


def test_the_image_build_takes_the_torch_index_and_the_base_image() -> None:
    services = _config({"TORCH_INDEX_URL": "", "PYTHON_IMAGE": "local/python:3.11"})["services"]
    for name in ("gameplay", "worker"):
        args = services[name]["build"]["args"]
        assert args == {"TORCH_INDEX_URL": "", "PYTHON_IMAGE": "local/python:3.11"}
    default = _config()["services"]["worker"]["build"]["args"]
    assert default["TORCH_INDEX_URL"] == "https://download.pytorch.org/whl/cpu"


def test_each_service_gets_only_its_own_credentials() -> None:
    services = _config()["services"]

    def env(name: str) -> dict[str, str]:
        return services[name].get("environment") or {}

    assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} & set(env("gameplay"))
    assert env("inference")["AWS_ACCESS_KEY_ID"] == SECRETS["S3_READONLY_ACCESS_KEY"]
    for name in ("worker", "promoter-worker", "mlflow"):
        assert env(name)["AWS_ACCESS_KEY_ID"] == SECRETS["S3_READWRITE_ACCESS_KEY"], name
    assert env("s3-init")["AWS_ACCESS_KEY_ID"] == SECRETS["S3_ADMIN_ACCESS_KEY"]
    users = {
        "gameplay": "gameplay",
        "inference": "inference",
        "worker": "worker",
        "promoter-worker": "worker",  # the light promotion worker: the worker's Redis user
        "relay": "relay",
        "scheduler": "enqueue",
    }
    assert [name for name in services if "GAME_SECRET" in env(name)] == ["gameplay"]
    for name, user in users.items():
        password = SECRETS[f"REDIS_PASSWORD_{user.upper()}"]
        assert env(name)["REDIS_URL"] == f"redis://{user}:{password}@redis:6379/0", name
    for name in services:
        if name not in {"redis", *users}:
            assert not any(k.startswith("REDIS_PASSWORD") for k in env(name)), name
            assert "REDIS_URL" not in env(name), name
