"""Image sizes: the serving and training images as last built (by tests/deploy/test_compose_stack.py).

Reads the Docker engine; builds nothing (a cold build takes minutes: `make test` does it).
"""

from __future__ import annotations

import subprocess

IMAGES = {"serving": "rps-mlops-serving", "training": "rps-mlops-training"}
TAGS = ("test", "local")
TARGET_MB = {"serving": 600.0}
SITE = "/opt/venv/lib/python3.11/site-packages"


def _docker(*args: str) -> str | None:
    try:
        result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def _image(name: str) -> str | None:
    for tag in TAGS:
        if _docker("image", "inspect", f"{name}:{tag}") is not None:
            return f"{name}:{tag}"
    return None


def _largest_packages(image: str, count: int = 6) -> str:
    listing = _docker(
        "run", "--rm", "--entrypoint", "sh", image, "-c", f"du -sm {SITE}/* | sort -rn | head -{count}"
    )
    if not listing:
        return "?"
    return ", ".join(
        f"{line.split()[1].rsplit('/', 1)[-1]} {line.split()[0]} MB" for line in listing.splitlines()
    )


def run() -> str:
    rows = []
    for target, name in IMAGES.items():
        image = _image(name)
        if image is None:
            rows.append(f"| {target} | not built here | | | |")
            continue
        size_mb = int(_docker("image", "inspect", "--format", "{{.Size}}", image) or 0) / 1e6
        target_mb = TARGET_MB.get(target)
        verdict = "" if target_mb is None else ("ok" if size_mb <= target_mb else "OVER")
        limit = "" if target_mb is None else f"≤ {target_mb:.0f} MB"
        rows.append(
            f"| {target} (`{image}`) | {size_mb:.0f} MB | {limit} | {verdict} | {_largest_packages(image)} |"
        )
    return (
        "## Images (bench_images)\n\n"
        "`docker build --target serving|training` from the repository's Dockerfile, as the compose test "
        "last built them. Here the base is the local stand-in `rps-standin/python:3.11-bookworm` (Debian's "
        "Python 3.11 on a debootstrap minbase root, 129 MB; python:3.11-slim-bookworm is about the same), "
        "because no registry is reachable.\n\n"
        "| image | size | target | | largest packages |\n|---|---|---|---|---|\n" + "\n".join(rows)
    )
