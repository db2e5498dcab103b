"""Registry access: register versions, read and move aliases, download a version's artifact directory.

Functions take an `MlflowClient` so tests and services pass their own tracking URI; nothing
here reads the environment.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

# mlflow reads this at import time; the registry never phones home.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # jobs log to files, not a tty

import mlflow.artifacts
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from sqlalchemy.engine import make_url

from shared.features import ALIASES, Alias, Family
from shared.models import read_meta
from shared.models.pyfunc import artifact_root
from shared.registry.errors import RegistryError, VersionNotFoundError
from shared.registry.mlflow_model import experts_hash, save_mlflow_model

MODEL_ARTIFACT_PATH = "model"  # the run's artifact path that holds the model directory
CONTRACT_TAG = "contract_hash"  # model-version tag: the feature contract it was trained on
EXPERTS_TAG = "experts_hash"  # model-version tag: the expert columns it was fitted with ("none")


@contextmanager
def _sqlite_creation_lock(tracking_uri: str) -> Iterator[None]:
    """Processes opening one SQLite store take turns: MLflow creates a fresh store's tables on
    first open, and two processes doing it at once fail (a training job and a promotion cycle)."""
    database = make_url(tracking_uri).database if tracking_uri.startswith("sqlite:///") else None
    if not database or not Path(database).parent.is_dir():
        yield
        return
    with Path(f"{database}.open-lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield


def open_client(tracking_uri: str, registry_uri: str | None = None) -> MlflowClient:
    """A client for one tracking server/store (an sqlite:/// URI, http(s)://, databricks...)."""
    with _sqlite_creation_lock(tracking_uri):
        return MlflowClient(tracking_uri=tracking_uri, registry_uri=registry_uri or tracking_uri)


def _is_not_found(exc: MlflowException) -> bool:
    return exc.error_code in {"RESOURCE_DOES_NOT_EXIST", "NOT_FOUND", "INVALID_PARAMETER_VALUE"}


def ensure_registered_model(client: MlflowClient, family: Family) -> None:
    """Create the family's registered model if it does not exist yet."""
    try:
        client.get_registered_model(family.value)
    except MlflowException as exc:
        if not _is_not_found(exc):
            raise RegistryError(f"cannot read registered model {family.value}: {exc}") from exc
        try:
            client.create_registered_model(family.value)
        except MlflowException as create_exc:
            if create_exc.error_code != "RESOURCE_ALREADY_EXISTS":  # created concurrently: fine
                raise


def register_version(client: MlflowClient, family: Family, run_id: str, artifact_dir: Path) -> int:
    """Log `artifact_dir` as an MLflow pyfunc model at the run's `model` path and register it;
    returns the new version."""
    meta = read_meta(artifact_dir)
    if meta.family is not family:
        raise ValueError(f"artifact in {artifact_dir} is a {meta.family.value}, not a {family.value}")
    with tempfile.TemporaryDirectory(prefix="rps-mlmodel-") as tmp:
        model_dir = save_mlflow_model(artifact_dir, meta, Path(tmp) / MODEL_ARTIFACT_PATH)
        client.log_artifacts(run_id, str(model_dir), MODEL_ARTIFACT_PATH)
    ensure_registered_model(client, family)
    source = f"{client.get_run(run_id).info.artifact_uri.rstrip('/')}/{MODEL_ARTIFACT_PATH}"
    tags = {CONTRACT_TAG: meta.contract_hash, EXPERTS_TAG: experts_hash(meta)}
    version = client.create_model_version(family.value, source, run_id=run_id, tags=tags)
    return int(version.version)


def read_aliases(client: MlflowClient, family: Family) -> dict[Alias, int]:
    """The family's aliases that point at a version ({} when the family is not registered yet)."""
    try:
        model = client.get_registered_model(family.value)
    except MlflowException as exc:
        if _is_not_found(exc):
            return {}
        raise RegistryError(f"cannot read aliases of {family.value}: {exc}") from exc
    known = {a.value: a for a in ALIASES}
    return {known[name]: int(version) for name, version in (model.aliases or {}).items() if name in known}


def set_aliases(client: MlflowClient, family: Family, aliases: Mapping[Alias, int | None]) -> None:
    """Point each alias at its version; None removes the alias. Versions are checked before any move."""
    for target in {v for v in aliases.values() if v is not None}:
        version_exists(client, family, target, raise_missing=True)
    for alias, version in aliases.items():
        if version is None:
            try:
                client.delete_registered_model_alias(family.value, Alias(alias).value)
            except MlflowException as exc:
                if not _is_not_found(exc):
                    raise
        else:
            client.set_registered_model_alias(family.value, Alias(alias).value, str(version))


def version_exists(client: MlflowClient, family: Family, version: int, raise_missing: bool = False) -> bool:
    try:
        client.get_model_version(family.value, str(version))
        return True
    except MlflowException as exc:
        if not _is_not_found(exc):
            raise
        if raise_missing:
            raise VersionNotFoundError(family.value, version) from None
        return False


def version_contract_hash(client: MlflowClient, family: Family, version: int) -> str | None:
    """The feature-contract hash recorded on the version at registration (None if untagged)."""
    try:
        tags = client.get_model_version(family.value, str(version)).tags or {}
    except MlflowException as exc:
        if _is_not_found(exc):
            raise VersionNotFoundError(family.value, version) from None
        raise
    return tags.get(CONTRACT_TAG)


def download_version(client: MlflowClient, family: Family, version: int, dest: Path) -> Path:
    """Download a version into `dest` (created); returns its lean artifact directory (with meta.json)."""
    try:
        uri = client.get_model_version_download_uri(family.value, str(version))
    except MlflowException as exc:
        if _is_not_found(exc):
            raise VersionNotFoundError(family.value, version) from None
        raise
    dest.mkdir(parents=True, exist_ok=True)
    local = mlflow.artifacts.download_artifacts(
        artifact_uri=uri, dst_path=str(dest), tracking_uri=client.tracking_uri
    )
    return artifact_root(Path(local))
