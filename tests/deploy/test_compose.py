"""docker-compose.yml: valid, secrets required from the environment, start order by health."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest

from tests.deploy.tools import REPO, compose_binary

SECRETS = {
    "AWS_ACCESS_KEY_ID": "rps",
    "AWS_SECRET_ACCESS_KEY": "rps-secret-key",
    "INTERNAL_TOKEN": "t0ken",
    "GAME_SECRET": "g4me",
}


def _compose(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_") and k not in SECRETS}
    return subprocess.run(
        [compose_binary(), "-f", str(REPO / "docker-compose.yml"), *args],
        capture_output=True,
        text=True,
        env=clean | env,
        cwd=REPO,
    )


def _config() -> dict[str, Any]:
    result = _compose(["config", "--format", "json"], SECRETS)
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
        "minio",
        "minio-init",
        "mlflow",
        "gameplay",
        "inference",
        "worker",
        "scheduler",
    }
    commands = {name: " ".join(s.get("command") or []) for name, s in services.items()}
    assert commands["worker"] == "python -m services.worker"
    assert commands["scheduler"] == "python -m services.scheduler"
    assert "mc mb" in " ".join(services["minio-init"]["entrypoint"])


def test_compose_starts_in_order_of_health() -> None:
    services = _config()["services"]
    for name in ("redis", "minio", "mlflow", "gameplay", "inference"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            wanted = condition["condition"]
            if wanted == "service_healthy":
                assert services[dependency].get("healthcheck"), f"{name} waits for {dependency}'s health"
    assert services["mlflow"]["depends_on"]["minio-init"]["condition"] == "service_completed_successfully"
    assert services["gameplay"]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_app_containers_share_one_image_and_the_event_store_volume() -> None:
    services = _config()["services"]
    apps = ("mlflow", "gameplay", "inference", "worker", "scheduler")
    assert len({services[name]["image"] for name in apps}) == 1
    for name in ("gameplay", "worker"):
        assert services[name]["environment"]["DATABASE_URL"] == "sqlite:////data/rps.db"
        assert any(v["source"] == "rps-data" and v["target"] == "/data" for v in services[name]["volumes"])
