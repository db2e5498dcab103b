"""The worker's wire format and its stops, on real processes and a real Redis.

Jobs are JSON and only the project's job functions run; a cold shutdown (make run, compose) ends
a running job within seconds and records it as failed; job-metrics stops on SIGTERM; Ctrl-C on
`make run` (python -m services.run) returns quickly and leaves no process behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import zlib
from pathlib import Path

from redis import Redis
from rq.job import JobStatus

from services.scheduler.enqueue import enqueue
from services.scheduler.schedule import scheduled_job
from services.worker.queues import INTERRUPTED, KNOWN_JOBS, fetch_job, job_queue
from tests.conftest import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
# A worker whose known jobs also include time.sleep, so a test can hold a job running.
SLEEPY_WORKER = (
    "import sys; from services.worker import queues; "
    "queues.KNOWN_JOBS = queues.KNOWN_JOBS | {'time.sleep'}; "
    "from services.worker.__main__ import main; sys.exit(main(sys.argv[1:]))"
)


def _descendants(pid: int) -> set[int]:
    """Every process below `pid` (from /proc), so a test can see what a stop left behind."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def _interrupt(process: subprocess.Popen[bytes]) -> float:
    """Ctrl-C as a terminal sends it (SIGINT to the whole process group); seconds until exit."""
    started = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=30)
    return time.monotonic() - started


def test_every_enqueue_site_stores_the_job_as_json(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    job_id = enqueue(redis, scheduled_job("train"))
    assert job_id is not None
    raw = redis.hget(f"rq:job:{job_id}", "data")
    assert isinstance(raw, bytes)
    func, _instance, args, kwargs = json.loads(zlib.decompress(raw))
    assert func in KNOWN_JOBS and args == [] and kwargs == {}


def test_the_worker_refuses_a_job_that_is_not_one_of_ours(redis_url: str, tmp_path: Path) -> None:
    marker = tmp_path / "owned"
    redis = Redis.from_url(redis_url)
    job = job_queue("training", redis).enqueue("os.system", f"touch {marker}")
    worker = subprocess.run(
        [sys.executable, "-m", "services.worker", "--burst", "--url", redis_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr
    assert not marker.exists()
    job = fetch_job(job.id, redis)
    assert job.get_status(refresh=True) == JobStatus.FAILED
    assert "UnknownJobError" in (job.latest_result().exc_string or "")  # type: ignore[union-attr]


def test_a_cold_shutdown_stops_the_running_job_and_records_it_failed(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    job = job_queue("training", redis).enqueue("time.sleep", 300)
    worker = subprocess.Popen(
        [sys.executable, "-c", SLEEPY_WORKER, "--url", redis_url, "--shutdown", "cold"],
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while fetch_job(job.id, redis).get_status(refresh=True) != JobStatus.STARTED:
            assert time.monotonic() < deadline and worker.poll() is None, "the job never started"
            time.sleep(0.2)
        horses = _descendants(worker.pid)
        assert horses, "the job runs in a forked work horse"
        assert _interrupt(worker) < 10
        assert not _alive(horses), "the work horse outlived the worker"
        stopped = fetch_job(job.id, redis)
        assert stopped.get_status(refresh=True) == JobStatus.FAILED
        assert INTERRUPTED in (stopped.latest_result().exc_string or "")  # type: ignore[union-attr]
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)


def test_job_metrics_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "services.worker",
            "serve-metrics",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path / 'rps.db'}"},
    )
    try:
        assert wait_for_port(port, timeout=60)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert time.monotonic() - started < 5
    finally:
        if process.poll() is None:
            process.kill()


def test_ctrl_c_on_make_run_returns_quickly_and_leaves_no_process(redis_url: str, tmp_path: Path) -> None:
    gameplay, inference = free_port(), free_port()
    env = os.environ | {
        "REDIS_URL": redis_url,
        "GAMEPLAY_PORT": str(gameplay),
        "INFERENCE_PORT": str(inference),
        "RELAY_PORT": str(free_port()),  # 9109 may be another make run's relay
    }
    run = subprocess.Popen(
        [sys.executable, "-m", "services.run", "--no-bootstrap", "--data-dir", str(tmp_path / "data")],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        for port in (gameplay, inference):
            deadline = time.monotonic() + 120
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                        break
                except OSError:
                    assert time.monotonic() < deadline and run.poll() is None, f"nothing healthy on {port}"
                    time.sleep(0.5)
        processes = _descendants(run.pid)
        assert len(processes) >= 4  # gameplay, inference, worker, scheduler
        assert _interrupt(run) < 10
        assert run.returncode == 0
        assert not _alive(processes), "make run left processes behind"
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
