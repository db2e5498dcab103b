"""The MLflow registry fallback: `models:/<family>@<alias>` when the serving cache has no marker.

mlflow is imported here and only when this path runs: it costs ~160 MB and about a second.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from shared.features import Alias, Family
from shared.models import ArtifactNotFoundError, LoadedModel, load_artifact
from shared.models.pyfunc import artifact_root
from shared.serving_cache.layout import CARD_DIR


class RegistrySource:
    """Looks up alias versions and downloads their artifact directories from one MLflow registry."""

    def __init__(self, tracking_uri: str) -> None:
        self.tracking_uri = tracking_uri
        self._client: Any = None
        self._lock = threading.Lock()

    def describe(self) -> str:
        return f"MLflow registry {self.tracking_uri}"

    def available(self) -> bool:
        """False for a SQLite store whose file does not exist: nothing is registered, skip the import."""
        parsed = urlparse(self.tracking_uri)
        if parsed.scheme == "sqlite":
            path = self.tracking_uri.removeprefix("sqlite:///")
            return path == ":memory:" or Path(path).is_file()
        return bool(self.tracking_uri)

    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                from mlflow.tracking import MlflowClient

                self._client = MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)
            return self._client

    def resolve(self, family: Family, alias: Alias) -> tuple[int, str] | None:
        """(version, artifact source) the alias points at, or None when the alias or model is not there."""
        from mlflow.exceptions import MlflowException

        try:
            version = self.client().get_model_version_by_alias(family.value, alias.value)
        except MlflowException as exc:
            if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"):
                return None
            raise
        return int(version.version), str(version.source)

    def card(self, family: Family, version: int, name: str) -> bytes | None:
        """One model-card file logged in the version's run (`card/<name>`); None when there is none."""
        import mlflow.artifacts
        from mlflow.exceptions import MlflowException

        try:
            run_id = self.client().get_model_version(family.value, str(version)).run_id
        except MlflowException as exc:
            if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"):
                return None
            raise
        path = f"{CARD_DIR}/{name}"
        if not run_id or path not in {a.path for a in self.client().list_artifacts(run_id, CARD_DIR)}:
            return None
        with tempfile.TemporaryDirectory(prefix="rps-card-") as tmp:
            local = mlflow.artifacts.download_artifacts(
                run_id=run_id, artifact_path=path, dst_path=tmp, tracking_uri=self.tracking_uri
            )
            return Path(local).read_bytes()

    def load(self, family: Family, version: int, source: str) -> LoadedModel:
        """Download the version's artifact directory to a temporary place and load it."""
        import mlflow.artifacts

        with tempfile.TemporaryDirectory(prefix="rps-registry-") as tmp:
            try:
                local = mlflow.artifacts.download_artifacts(
                    artifact_uri=source, dst_path=tmp, tracking_uri=self.tracking_uri
                )
            except Exception:
                # A source that is not directly downloadable (logged-model ids): ask by name/version.
                local = mlflow.artifacts.download_artifacts(
                    artifact_uri=f"models:/{family.value}/{version}",
                    dst_path=tmp,
                    tracking_uri=self.tracking_uri,
                )
            return load_artifact(_artifact_root(Path(local)), check_contract=False)


def _artifact_root(path: Path) -> Path:
    """The lean artifact in the download (an MLflow model's `data/artifact`), or in its one subdirectory."""
    children = [p for p in path.iterdir() if p.is_dir()]
    for candidate in (path, *children[:1]) if len(children) == 1 else (path,):
        with contextlib.suppress(ArtifactNotFoundError):
            return artifact_root(candidate)
    return path  # load_artifact then says what is missing
