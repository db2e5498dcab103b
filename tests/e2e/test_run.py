"""`make run` (services/run.py): one supervisor that starts every process and stops them all on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from services.run import served_families
from shared.features import FAMILIES, FEATURE_CONTRACT_HASH, Alias
from shared.serving_cache import open_cache
from tests.conftest import free_port, wait_for_port
from tests.e2e.stack import ROOT

pytestmark = pytest.mark.slow


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_run_starts_everything_with_its_own_redis_and_ctrl_c_stops_it(tmp_path: Path) -> None:
    gameplay, inference, redis = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "GAMEPLAY_PORT": str(gameplay),
        "INFERENCE_PORT": str(inference),
        "REDIS_URL": f"redis://127.0.0.1:{redis}/0",  # nothing answers there: run.py starts redis-server
    }
    log = (tmp_path / "run.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "services.run", "--data-dir", str(tmp_path / "data"), "--no-bootstrap"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while not (healthy(f"http://127.0.0.1:{gameplay}") and healthy(f"http://127.0.0.1:{inference}")):
            assert process.poll() is None, (tmp_path / "run.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()
            time.sleep(0.5)
        assert wait_for_port(redis, timeout=5)
        with urllib.request.urlopen(f"http://127.0.0.1:{gameplay}/policies", timeout=5) as response:
            assert json.load(response)
        assert (tmp_path / "data" / "internal-token").exists()
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
        log.close()
    output = (tmp_path / "run.log").read_text()
    assert code == 0, output
    for name in ("redis", "gameplay", "inference", "worker", "scheduler"):
        assert f"{name} stopped" in output
    for port in (gameplay, inference, redis):
        assert not wait_for_port(port, timeout=0.5), f"port {port} still open after Ctrl-C"


def test_served_families_are_those_with_a_production_model(tmp_path: Path) -> None:
    cache_dir = tmp_path / "serving-cache"
    env = {"SERVING_CACHE_DIR": str(cache_dir)}
    assert served_families(env) == []
    cache = open_cache(directory=cache_dir)
    artifact = tmp_path / "artifact"
    artifact.mkdir()
    for family in FAMILIES:
        (artifact / "meta.json").write_text(json.dumps({"family": family, "version": 1}))
        cache.put_model(family, 1, artifact)
    cache.set_alias(FAMILIES[0], Alias.B, 1, FEATURE_CONTRACT_HASH)
    assert served_families(env) == []
    cache.set_alias(FAMILIES[1], Alias.PRODUCTION, 1, FEATURE_CONTRACT_HASH)
    assert served_families(env) == [FAMILIES[1].value]


class RunProcess:
    """`python -m services.run` on free ports with its own Redis and data directory."""

    def __init__(self, tmp_path: Path, data: Path, *args: str) -> None:
        self.gameplay, self.inference, self.redis = free_port(), free_port(), free_port()
        env = {
            **os.environ,
            "GAMEPLAY_PORT": str(self.gameplay),
            "INFERENCE_PORT": str(self.inference),
            "REDIS_URL": f"redis://127.0.0.1:{self.redis}/0",
        }
        self.log_path = tmp_path / f"run-{time.monotonic_ns()}.log"
        self.log = self.log_path.open("wb")
        command = [sys.executable, "-m", "services.run", "--data-dir", str(data), *args]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, text: str, timeout_s: float, fail_on: str | None = None) -> None:
        deadline = time.monotonic() + timeout_s
        while text not in self.output():
            assert fail_on is None or fail_on not in self.output(), self.output()[-5000:]
            assert self.process.poll() is None, self.output()[-5000:]
            assert time.monotonic() < deadline, f"no {text!r} in {timeout_s:.0f} s:\n{self.output()[-5000:]}"
            time.sleep(1)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=30)
        self.log.close()
        return code


def test_run_bootstraps_models_once_and_a_second_run_continues(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = RunProcess(tmp_path, data, "--bootstrap-games", "200")
    try:
        first.wait_for("bootstrap done", timeout_s=420, fail_on="bootstrap failed")
        assert "bots are model-driven for rps_bot" in first.output()
        assert "/ui-lite" in first.output()
    finally:
        assert first.stop() == 0
    second = RunProcess(tmp_path, data)
    try:
        second.wait_for("models found in the serving cache", timeout_s=90)
        assert "bootstrapping" not in second.output()
    finally:
        assert second.stop() == 0
