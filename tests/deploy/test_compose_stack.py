"""docker-compose.yml for real (testcontainers' DockerCompose): build, up, play, train, serve, down.

Builds the serving and training images, brings the whole stack up and waits for health, plays a
game through gameplay, runs one training cycle in the worker, sees inference load all 16 models
from the S3 serving cache, then stops every service (each within 5 s of SIGTERM) and tears down.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import free_port, service_unavailable
from tests.deploy.docker_env import (
    SERVING_IMAGE,
    TRAINING_IMAGE,
    DockerUnavailableError,
    base_images,
    build_images,
    compose_plugin_config,
    docker,
    engine_problem,
    image_size_mb,
)
from tests.deploy.tools import REPO

pytestmark = pytest.mark.slow

# The serving image leaves these out (MLflow server: Flask; the rest by name).
TRAINING_ONLY = ("torch", "pandas", "pyarrow", "sklearn", "flask")
SERVICES = (
    "redis", "seaweedfs", "mlflow", "inference", "gameplay", "relay", "worker", "job-metrics", "scheduler",
)  # fmt: skip
# Stopped in reverse start order, one at a time, so each one's stop is timed alone.
STOP_ORDER = (
    "scheduler", "job-metrics", "worker", "relay", "gameplay", "inference", "mlflow", "seaweedfs", "redis",
)  # fmt: skip
SEED_GAMES = """
import os
from datetime import UTC, datetime, timedelta
from services.trainer.synthetic import append_games, generate_games
from shared.events import EventStore
store = EventStore.from_url(os.environ["DATABASE_URL"])
append_games(store, list(generate_games(60, seed=5, start=datetime.now(UTC) - timedelta(hours=2))))
store.close()
"""


def _http(url: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _play_a_game(gameplay: str) -> list[dict[str, Any]]:
    game = _http(f"{gameplay}/start_game", {"player_name": "compose-test", "policy": "forrest"})
    rounds = []
    moves = ["rock", "paper", "scissors"]
    while True:
        move = moves[len(rounds) % 3]
        rounds.append(_http(f"{gameplay}/play", {"game_id": game["game_id"], "user_move": move}))
        if rounds[-1]["finished"]:
            return rounds


def _loaded_from_the_cache(inference: str) -> dict[str, dict[str, str]]:
    models = _http(f"{inference}/models")["models"]
    return {
        f: {a: f"{m['status']}/{m['source']}" for a, m in aliases.items()} for f, aliases in models.items()
    }


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if problem := engine_problem():
        service_unavailable(problem)
    from testcontainers.compose import DockerCompose

    workdir = tmp_path_factory.mktemp("compose")
    monkeypatch = pytest.MonkeyPatch()
    try:
        images = base_images()
    except DockerUnavailableError as exc:
        service_unavailable(str(exc))
    seconds = build_images(images["PYTHON_IMAGE"])
    ports = {name: free_port() for name in ("GAMEPLAY", "INFERENCE", "MLFLOW", "S3", "JOB_METRICS")}
    env_file = workdir / ".env"
    # The developer's path: .env written from .env.example with random secrets.
    subprocess.run(
        [str(REPO / "scripts" / "fill-env.sh"), str(REPO / ".env.example"), str(env_file)], check=True
    )
    settings = {
        **images,
        **{f"{name}_PORT": str(port) for name, port in ports.items()},
        "RPS_SERVING_IMAGE": SERVING_IMAGE,
        "RPS_TRAINING_IMAGE": TRAINING_IMAGE,
        "COMPOSE_PROJECT_NAME": f"rpstest{ports['GAMEPLAY']}",
        "DOCKER_CONFIG": str(compose_plugin_config(workdir / "docker")),
    }
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    compose = DockerCompose(REPO, env_file=str(env_file), wait=True)
    started = time.monotonic()
    try:
        compose.start()
        compose.urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}  # type: ignore[attr-defined]
        compose.timings = {"build": seconds, "up": time.monotonic() - started}  # type: ignore[attr-defined]
        yield compose
    except Exception:
        print(compose.get_logs()[0][-20000:])
        raise
    finally:
        compose.stop()
        monkeypatch.undo()


def test_the_serving_image_is_small_and_has_no_training_stack(stack: Any) -> None:
    probe = f"import importlib.util as u; print([m for m in {TRAINING_ONLY!r} if u.find_spec(m)])"
    result = docker("run", "--rm", SERVING_IMAGE, "python", "-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert image_size_mb(SERVING_IMAGE) <= 600


def test_the_stack_plays_trains_serves_and_stops_quickly(stack: Any) -> None:
    gameplay, inference = stack.urls["GAMEPLAY"], stack.urls["INFERENCE"]
    running = {c.Service for c in stack.get_containers() if c.State == "running"}
    assert running >= set(SERVICES), running

    first = _play_a_game(gameplay)
    assert first[-1]["winner"] in ("user", "bot")

    _out, err, code = stack.exec_in_container(["python", "-c", SEED_GAMES], "worker")
    assert code == 0, err
    out, err, code = stack.exec_in_container(
        ["python", "-m", "services.trainer", "train", "--enqueue"], "worker"
    )
    assert code == 0 and "enqueued training job" in out, err

    deadline = time.monotonic() + 900
    while set().union(*map(dict.values, _loaded_from_the_cache(inference).values())) != {"loaded/cache"}:
        assert time.monotonic() < deadline, stack.get_logs("worker", "inference")[0][-6000:]
        time.sleep(5)
    assert sum(len(a) for a in _loaded_from_the_cache(inference).values()) == 16

    after = _play_a_game(gameplay)
    assert any(r["bot_source"] == "model" for r in after)

    stop_seconds = {}
    for service in STOP_ORDER:
        started = time.monotonic()
        subprocess.run([*stack.compose_command_property, "stop", service], cwd=REPO, check=True)
        stop_seconds[service] = time.monotonic() - started
    print(
        f"\ncompose stack: build {stack.timings['build']}, up {stack.timings['up']:.0f} s, "
        f"stops {stop_seconds}; "
        f"serving {image_size_mb(SERVING_IMAGE):.0f} MB, training {image_size_mb(TRAINING_IMAGE):.0f} MB"
    )
    assert all(seconds < 5 for seconds in stop_seconds.values()), stop_seconds
