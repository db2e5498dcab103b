"""`make run`: the whole system on one machine, under one supervisor (honcho), learning by itself.

Sets up `data/`, starts Redis (only if none answers on REDIS_URL), gameplay, inference, the
relay, the RQ workers, the job metrics and the scheduler from the Procfile, then, on a fresh
store, bootstraps models: it plays simulated games against the degraded bot, trains now and
promotes, so the bots are model-driven within minutes. A second run finds the models and skips the bootstrap.
Ctrl-C stops every process (honcho sends SIGTERM, then SIGKILL after 5 s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from honcho.environ import parse_procfile  # type: ignore[import-untyped]
from honcho.manager import Manager  # type: ignore[import-untyped]
from honcho.printer import Message  # type: ignore[import-untyped]
from redis import Redis
from redis.exceptions import RedisError
from rq.job import JobStatus

from services.scheduler.enqueue import enqueue, pending_job
from services.scheduler.schedule import ScheduledJob, scheduled_job
from services.simulator.mix import parse_mix
from services.simulator.runner import bot_win_rate, simulate
from services.worker.queues import fetch_job
from shared.features import FAMILIES, Alias
from shared.jobs import TRAIN_TIMEOUT_S
from shared.serving_cache import open_cache
from shared.settings import REDIS_URL

ROOT = Path(__file__).resolve().parent.parent
PROCFILE = ROOT / "Procfile"
DATA = ROOT / "data"
GAMEPLAY_PORT, INFERENCE_PORT = "8000", "8001"
BOOTSTRAP_GAMES = 300
# Mostly human-like players, plus every classic strategy, so the first models see varied habits.
BOOTSTRAP_MIX = "human:60,random:8,biased:8,constant:4,cycle:4,copy:4,beat_last:4,wsls:4,counter:4"
READY_TIMEOUT_S = 120.0

Say = Callable[[str], None]


def local_environment(data: Path) -> dict[str, str]:
    """The children's environment: safe local defaults, anything already set in ours wins."""
    token_file = data / "internal-token"
    if not token_file.exists():
        token_file.write_text(secrets.token_urlsafe(24))
        token_file.chmod(0o600)
    gameplay_port = os.environ.get("GAMEPLAY_PORT", GAMEPLAY_PORT)
    inference_port = os.environ.get("INFERENCE_PORT", INFERENCE_PORT)
    defaults = {
        "GAMEPLAY_PORT": gameplay_port,
        "INFERENCE_PORT": inference_port,
        "DATABASE_URL": f"sqlite:///{data / 'rps.db'}",
        "REDIS_URL": REDIS_URL,
        "MLFLOW_TRACKING_URI": f"sqlite:///{data / 'mlflow.db'}",
        "MLFLOW_ARTIFACTS_DIR": str(data / "mlartifacts"),
        "SERVING_CACHE_DIR": str(data / "serving-cache"),
        "TRAINING_CACHE_DIR": str(data / "training-cache"),
        "INFERENCE_URL": f"http://127.0.0.1:{inference_port}",
        "GAMEPLAY_URL": f"http://127.0.0.1:{gameplay_port}",
        "INTERNAL_TOKEN": token_file.read_text().strip(),
        # Later versions enter as shadow2; only live games on B let the promoter ever swap them in.
        "ENABLE_AB_TESTING": "true",
        "ROUTING": "bandit",  # Thompson sampling between Production and B (docs/operations.md)
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "PYTHONUNBUFFERED": "1",
        "OMP_NUM_THREADS": "1",  # 2 shared cores: keep torch/xgboost/lightgbm from oversubscribing
    }
    env = {**defaults, **{k: v for k, v in os.environ.items() if k in defaults}}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, **env}


def redis_answers(url: str) -> bool:
    try:
        return bool(Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (RedisError, OSError):
        return False


def redis_command(url: str, data: Path) -> str:
    """A persistent local redis-server (RQ queues and the stream survive a restart)."""
    port = Redis.from_url(url).connection_pool.connection_kwargs.get("port", 6379)
    (data / "redis").mkdir(exist_ok=True)
    return f"redis-server --port {port} --bind 127.0.0.1 --dir {data / 'redis'} --save 60 1 --appendonly no"


def served_families(env: dict[str, str]) -> list[str]:
    """The families with a Production model in the serving cache."""
    markers = open_cache(directory=env["SERVING_CACHE_DIR"]).read_all_markers()
    return [family.value for family in FAMILIES if Alias.PRODUCTION in markers.get(family, {})]


def wait_ready(url: str, timeout_s: float = READY_TIMEOUT_S) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    return False


def run_job(redis: Redis, job: ScheduledJob, say: Say) -> bool:
    """Enqueue a job for the worker (or join the scheduler's pending one) and wait; True when it finished."""
    job_id = enqueue(redis, job) or pending_job(redis, job)
    if job_id is None:  # the pending one finished in between: that run is the one we wanted
        return True
    deadline = time.monotonic() + TRAIN_TIMEOUT_S
    while time.monotonic() < deadline:
        status = fetch_job(job_id, redis).get_status(refresh=True)
        if status == JobStatus.FINISHED:
            return True
        if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
            say(f"{job.name} job {job_id} {status}; see the worker's log")
            return False
        time.sleep(1)
    say(f"{job.name} job {job_id} did not finish in {TRAIN_TIMEOUT_S:.0f} s")
    return False


def bootstrap(env: dict[str, str], games: int, say: Say) -> None:
    """From an empty store: simulated games against the degraded bot → train → promote."""
    gameplay_url = env["GAMEPLAY_URL"]
    if not (wait_ready(gameplay_url) and wait_ready(env["INFERENCE_URL"])):
        say("gameplay or inference did not become healthy; no bootstrap")
        return
    say(f"play in a browser: {gameplay_url}/ui-lite")
    if served := served_families(env):
        say(f"models found in the serving cache ({', '.join(served)}): continuing, no bootstrap")
        return
    say(f"no models yet: bootstrapping from {games} simulated games against the degraded bot …")
    started = time.monotonic()
    result = asyncio.run(
        simulate(
            gameplay_url,
            games,
            parse_mix(BOOTSTRAP_MIX),
            concurrency=8,
            seed=0,
            progress=False,
            internal_token=env["INTERNAL_TOKEN"],  # trusted load: not rate-limited
        )
    )
    say(
        f"{len(result.records)} games played ({len(result.errors)} failed), degraded bot won "
        f"{bot_win_rate(result.records):.0%}; training every family now …"
    )
    redis = Redis.from_url(env["REDIS_URL"])
    if run_job(redis, scheduled_job("train"), say) and run_job(redis, scheduled_job("promote"), say):
        served = served_families(env)
        missing = sorted(set(FAMILIES) - set(served))
        state = f"model-driven for {', '.join(served) or 'no family'}"
        if missing:
            state += (
                f"; still degraded for {', '.join(missing)} (the offline gate refused; see the worker log)"
            )
        say(f"bootstrap done in {time.monotonic() - started:.0f} s: bots are {state}")
    else:
        say("bootstrap failed: bots stay degraded until the scheduler's next training run succeeds")
    say(f"play in a browser: {gameplay_url}/ui-lite")


class RunError(Exception):
    """The local system cannot start; the message says what to do."""


def build_manager(env: dict[str, str], data: Path) -> Manager:
    manager = Manager()
    if redis_answers(env["REDIS_URL"]):
        print(f"run | reusing the Redis that answers at {env['REDIS_URL']}", flush=True)
    elif shutil.which("redis-server") is None:
        raise RunError(
            f"no Redis answers at {env['REDIS_URL']} and redis-server is not installed: "
            "install it (`make services` does) or set REDIS_URL to a running Redis"
        )
    else:
        manager.add_process("redis", redis_command(env["REDIS_URL"], data), env=env, cwd=str(ROOT))
    for name, command in parse_procfile(PROCFILE.read_text()).processes.items():
        manager.add_process(name, command, env=env, cwd=str(ROOT))
    return manager


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.run", description=__doc__)
    parser.add_argument("--bootstrap-games", type=int, default=BOOTSTRAP_GAMES, help="default %(default)s")
    parser.add_argument("--no-bootstrap", action="store_true", help="start the processes only")
    parser.add_argument("--data-dir", type=Path, default=DATA, help="local state (default: %(default)s)")
    args = parser.parse_args(argv)
    data = args.data_dir.resolve()
    data.mkdir(parents=True, exist_ok=True)
    env = local_environment(data)
    try:
        manager = build_manager(env, data)
    except RunError as exc:
        print(f"run | {exc}", file=sys.stderr)
        return 1

    def say(text: str) -> None:
        manager.events.put(
            Message(type="line", data=f"{text}\n", time=datetime.now(), name="run", colour=None)
        )

    if not args.no_bootstrap:
        threading.Thread(target=bootstrap, args=(env, args.bootstrap_games, say), daemon=True).start()
    manager.loop()
    # Ctrl-C (or SIGTERM) is the normal way to stop: honcho reports it as 130 (143).
    return 0 if manager.returncode in (None, 0, 130, 143) else manager.returncode


if __name__ == "__main__":
    sys.exit(main())
