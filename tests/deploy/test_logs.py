"""shared/logs.py: JSON lines when RPS_LOG_FORMAT=json (compose, the cluster), readable text otherwise."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from shared.logs import setup_logging
from tests.conftest import free_port, wait_for_port
from tests.deploy.tools import REPO, objects


@pytest.fixture
def stderr() -> Iterator[io.StringIO]:
    """A stream for setup_logging; the root logger is restored afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield io.StringIO()
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def test_json_lines_carry_time_level_service_logger_and_message(stderr: io.StringIO) -> None:
    setup_logging("gameplay", log_format="json", stream=stderr)
    logging.getLogger("services.gameplay.app").warning("inference slow: %d ms", 180)
    entry = json.loads(stderr.getvalue().splitlines()[-1])
    assert entry["level"] == "WARNING" and entry["service"] == "gameplay"
    assert entry["logger"] == "services.gameplay.app" and entry["message"] == "inference slow: 180 ms"
    assert entry["time"].endswith("+00:00")


def test_access_records_carry_method_route_and_status(stderr: io.StringIO) -> None:
    setup_logging("inference", log_format="json", stream=stderr)
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "10.0.0.7:5123", "POST", "/predict?debug=1", "1.1", 422
    )
    entry = json.loads(stderr.getvalue().splitlines()[-1])
    assert (entry["method"], entry["route"], entry["status"]) == ("POST", "/predict", 422)


def test_a_level_left_by_an_earlier_uvicorn_config_drops_no_access_record(stderr: io.StringIO) -> None:
    access = logging.getLogger("uvicorn.access")
    access.setLevel(logging.WARNING)  # what uvicorn's own config leaves behind with log_level="warning"
    access.disabled = True
    setup_logging("inference", log_format="json", stream=stderr)
    access.info('%s - "%s %s HTTP/%s" %d', "10.0.0.7:5123", "GET", "/models", "1.1", 200)
    assert json.loads(stderr.getvalue().splitlines()[-1])["status"] == 200


def test_exceptions_stay_inside_one_json_line(stderr: io.StringIO) -> None:
    setup_logging("worker", log_format="json", stream=stderr)
    try:
        raise ValueError("bad row")
    except ValueError:
        logging.getLogger("rq.worker").exception("job failed")
    (line,) = stderr.getvalue().splitlines()
    assert "ValueError: bad row" in json.loads(line)["exception"]


def test_text_is_the_local_default(stderr: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RPS_LOG_FORMAT", raising=False)
    setup_logging("scheduler", stream=stderr)
    logging.getLogger("services.scheduler").info("enqueued train")
    assert stderr.getvalue().rstrip().endswith("scheduler INFO services.scheduler: enqueued train")


def test_compose_and_the_cluster_log_json() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert compose["x-env"]["RPS_LOG_FORMAT"] == "json"
    config = next(o for o in objects("base") if o["metadata"]["name"].startswith("rps-config"))
    assert config["data"]["RPS_LOG_FORMAT"] == "json"


def test_a_service_process_writes_json_lines(tmp_path: Path) -> None:
    port = free_port()
    env = os.environ | {"RPS_LOG_FORMAT": "json", "DATABASE_URL": f"sqlite:///{tmp_path / 'rps.db'}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "services.worker", "serve-metrics", "--host", "127.0.0.1", f"--port={port}"],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for_port(port, timeout=60)
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    lines = [json.loads(line) for line in err.splitlines() if line.strip()]
    assert lines and all(e["service"] == "job-metrics" for e in lines)
    assert any("rps_promoter_*" in e["message"] for e in lines)
