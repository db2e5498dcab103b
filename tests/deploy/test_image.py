"""The Dockerfile and the commands every deployment runs (no Docker engine needed).

The image cannot be built here; these tests check what can be checked without one:
every COPY source exists and survives .dockerignore, and every `python -m services.X`
command used by compose and the manifests exists and accepts the flags it is given.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import re
import shlex
import subprocess
import sys
import tomllib
from functools import cache

import pytest
import yaml

from tests.deploy.tools import OVERLAYS, REPO, all_containers, objects, pod_spec

DOCKERFILE = (REPO / "Dockerfile").read_text()


def _copy_sources() -> list[str]:
    sources = []
    for line in DOCKERFILE.splitlines():
        parts = line.split()
        if parts[:1] == ["COPY"] and not any(p.startswith("--from") for p in parts):
            sources += [p for p in parts[1:-1] if not p.startswith("--")]
    return sources


def _ignored(path: str) -> bool:
    """.dockerignore semantics that matter here: patterns in order, the last match wins."""
    ignored = False
    for raw in (REPO / ".dockerignore").read_text().splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        if fnmatch.fnmatch(path.rstrip("/"), pattern):
            ignored = not negate
    return ignored


def test_every_copy_source_exists_and_is_not_dockerignored() -> None:
    sources = _copy_sources()
    assert {"pyproject.toml", "constraints.txt", "shared/", "services/"} <= set(sources)
    for source in sources:
        assert (REPO / source).exists(), source
        assert not _ignored(source), f"{source} is excluded by .dockerignore"


def test_image_installs_cpu_torch_and_xgboost_cpu_and_runs_as_non_root() -> None:
    constraints = (REPO / "constraints.txt").read_text()
    # No local version tag: the CPU index's 2.13.0+cpu and PyPI's 2.13.0 both satisfy it.
    assert re.search(r"^torch==[\d.]+$", constraints, flags=re.MULTILINE)
    assert "ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu" in DOCKERFILE
    assert "-c constraints.txt" in DOCKERFILE
    dependencies = (REPO / "pyproject.toml").read_text()
    assert '"xgboost-cpu' in dependencies and '"xgboost>' not in dependencies
    for stage in DOCKERFILE.split("\nFROM ")[1:]:
        if stage.split()[2] in {"serving", "training"}:
            users = re.findall(r"^USER\s+(\S+)", stage, flags=re.MULTILINE)
            assert users and not users[-1].startswith(("root", "0")), stage.split()[2]


def test_the_dockerfile_needs_no_registry_frontend() -> None:
    """A `# syntax=` line makes BuildKit pull its frontend image: offline builds would fail."""
    assert not re.search(r"^#\s*syntax\s*=", DOCKERFILE, flags=re.MULTILINE | re.IGNORECASE)


def test_the_serving_dependencies_leave_out_the_training_stack() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]

    def names(requirements: list[str]) -> set[str]:
        return {re.split(r"[<>=\[ ;]", r, maxsplit=1)[0].lower() for r in requirements}

    serving = names(project["dependencies"])
    assert not serving & {"torch", "mlflow", "pandas", "pyarrow", "matplotlib", "scikit-learn"}
    assert "mlflow-skinny" in serving
    assert {"torch", "mlflow", "pandas"} <= names(project["optional-dependencies"]["train"])


def _python_commands() -> set[tuple[str, ...]]:
    """Every `python -m ...` command line in docker-compose.yml, the rendered overlays and the Procfile."""
    commands: set[tuple[str, ...]] = set()
    for line in (REPO / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            commands.add(tuple(shlex.split(line.partition(":")[2])))
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    for service in compose["services"].values():
        command = service.get("command")
        if isinstance(command, list) and command[:1] == ["python"]:
            commands.add(tuple(command))
    for overlay in OVERLAYS:
        for obj in objects(overlay):
            spec = pod_spec(obj)
            for container in all_containers(spec) if spec else []:
                command = container.get("command", [])
                if command[:1] == ["python"]:
                    commands.add(tuple(command))
    return commands


def _has_main(module: str) -> bool:
    try:
        return importlib.util.find_spec(f"{module}.__main__") is not None
    except ModuleNotFoundError:
        return False


@cache
def _help(module: str, subcommand: str | None) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", module, *([subcommand] if subcommand else []), "--help"]
    return subprocess.run(args, capture_output=True, text=True, cwd=REPO, timeout=120)


@pytest.mark.parametrize("command", sorted(_python_commands()), ids=" ".join)
def test_every_deployed_command_exists_and_accepts_its_flags(command: tuple[str, ...]) -> None:
    assert command[1] == "-m"
    module = command[2]
    assert _has_main(module), f"{module} has no __main__ (is the service there yet?)"
    if len(command) == 3:
        return  # no arguments to check; `--help` might start a long-running process
    subcommand = command[3] if not command[3].startswith("-") else None
    result = _help(module, subcommand)
    assert result.returncode == 0, f"{' '.join(command)} --help failed:\n{result.stderr[-2000:]}"
    for flag in (arg.split("=")[0] for arg in command[3:] if arg.startswith("--")):
        assert flag in result.stdout, f"{module} {subcommand or ''} does not accept {flag}"
