"""A private local stack for end-to-end tests and benchmarks: real gameplay and inference processes.

Everything lives in one work directory (SQLite event store, MLflow sqlite store and artifacts,
serving cache); Redis is given. Jobs run through a real RQ worker: in burst mode (`run_jobs`),
or long-running beside the scheduler (`spawn`), as `make run` does.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from redis import Redis
from rq.job import JobStatus

from services.scheduler.enqueue import enqueue
from services.scheduler.schedule import scheduled_job
from services.worker.queues import fetch_job
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 90.0


class StackError(RuntimeError):
    """A process of the stack did not start or a job did not finish; the message points at its log."""


class LocalStack:
    def __init__(self, workdir: Path, redis_url: str, env: Mapping[str, str] | None = None) -> None:
        """`env` adds to (or overrides) every process's environment, e.g. ENABLE_AB_TESTING."""
        self.workdir = workdir
        self.redis_url = redis_url
        self.gameplay_port, self.inference_port, self.relay_port = free_port(), free_port(), free_port()
        self.token = secrets.token_urlsafe(16)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: dict[str, IO[bytes]] = {}
        data = workdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": f"sqlite:///{data / 'rps.db'}",
            "REDIS_URL": redis_url,
            "MLFLOW_TRACKING_URI": f"sqlite:///{data / 'mlflow.db'}",
            "MLFLOW_ARTIFACTS_DIR": str(data / "mlartifacts"),
            "SERVING_CACHE_DIR": str(data / "serving-cache"),
            "TRAINING_CACHE_DIR": str(data / "training-cache"),
            "INFERENCE_URL": self.inference_url,
            "GAMEPLAY_URL": self.gameplay_url,
            "INTERNAL_TOKEN": self.token,
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "OMP_NUM_THREADS": "1",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }

    @property
    def gameplay_url(self) -> str:
        return f"http://127.0.0.1:{self.gameplay_port}"

    @property
    def inference_url(self) -> str:
        return f"http://127.0.0.1:{self.inference_port}"

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        if name in self.logs:  # a second worker of the same name appends to the same log
            self.logs[name].close()
        log = (self.workdir / f"{name}.log").open("ab")
        self.logs[name] = log
        process = subprocess.Popen(args, cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def start(self, services: tuple[str, ...] = ("inference", "gameplay", "relay")) -> None:
        """Start the services (inference first: gameplay asks it for every model round; the relay
        publishes the outbox to the Redis stream)."""
        ports = {"inference": self.inference_port, "gameplay": self.gameplay_port, "relay": self.relay_port}
        for name in services:
            serve = [] if name == "relay" else ["serve"]
            command = ["-m", f"services.{name}", *serve, "--host", "127.0.0.1", "--port", str(ports[name])]
            self._spawn(name, [sys.executable, *command])
        for name in services:
            self._wait_healthy(name, f"http://127.0.0.1:{ports[name]}")

    def spawn(self, name: str, *module_args: str) -> None:
        """Start a long-running `python -m ...` process (a worker, the scheduler); its log is `{name}.log`."""
        self._spawn(name, [sys.executable, "-m", *module_args])

    def check_running(self) -> None:
        """StackError with its log's tail when a long-running process has exited (burst workers excepted)."""
        for name, process in self.processes.items():
            if not name.startswith("worker-") and process.poll() is not None:
                raise StackError(f"{name} exited {process.returncode}:\n{self.log_tail(name)}")

    def command(self, *module_args: str, timeout_s: float = 300.0) -> str:
        """Run a `python -m ...` command line (as an operator or a CronJob would) to its end; its stdout."""
        done = subprocess.run(
            [sys.executable, "-m", *module_args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
        if done.returncode != 0:
            raise StackError(f"{' '.join(module_args)} exited {done.returncode}:\n{done.stderr[-3000:]}")
        return done.stdout

    def _wait_healthy(self, name: str, url: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                raise StackError(f"{name} exited; see {self.workdir / name}.log:\n{self.log_tail(name)}")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise StackError(f"{name} not healthy in {READY_TIMEOUT_S:.0f} s:\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.workdir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def run_jobs(self, *names: str, timeout_s: float = 900.0) -> None:
        """Enqueue `train`/`promote` as the scheduler does, then run the RQ worker in burst mode."""
        redis = Redis.from_url(self.redis_url)
        for name in names:
            job_id = enqueue(redis, scheduled_job(name))
            if job_id is None:
                raise StackError(f"{name}: a previous job is still pending")
            command = [sys.executable, "-m", "services.worker", "--burst", "--url", self.redis_url]
            worker = self._spawn(f"worker-{name}", command)
            worker.wait(timeout=timeout_s)
            job = fetch_job(job_id, redis)
            if job.get_status(refresh=True) != JobStatus.FINISHED:
                raise StackError(f"{name} job {job.get_status()}:\n{self.log_tail(f'worker-{name}', 80)}")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in self.logs.values():
            log.close()
