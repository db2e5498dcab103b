"""meta.json: what an artifact directory says about the model inside it (docs/architecture.md)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from shared.features import FEATURE_CONTRACT_HASH, FEATURE_NAMES, Family
from shared.models.errors import ArtifactInvalidError, ArtifactNotFoundError

META_FILE = "meta.json"


class ArtifactFormat(StrEnum):
    XGBOOST_UBJ = "xgboost-ubj"
    LIGHTGBM_TEXT = "lightgbm-text"
    TORCH_STATE_DICT = "torch-state-dict"
    NUMPY_NPZ = "numpy-npz"


@dataclass(frozen=True, slots=True)
class ArtifactMeta:
    family: Family
    format: ArtifactFormat
    params: dict[str, Any]
    contract_hash: str = FEATURE_CONTRACT_HASH
    feature_names: tuple[str, ...] = FEATURE_NAMES
    version: int | None = None
    run_id: str | None = None
    created_at: str = dataclasses.field(default_factory=lambda: datetime.now(UTC).isoformat())

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["family"] = self.family.value
        data["format"] = self.format.value
        data["feature_names"] = list(self.feature_names)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ArtifactMeta:
        try:
            version = data.get("version")
            return cls(
                family=Family(data["family"]),
                format=ArtifactFormat(data["format"]),
                params=dict(data.get("params") or {}),
                contract_hash=str(data["contract_hash"]),
                feature_names=tuple(data["feature_names"]),
                version=None if version is None else int(version),
                run_id=data.get("run_id"),
                created_at=str(data.get("created_at", "")),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise ArtifactInvalidError(f"bad {META_FILE}: {exc!r}") from None

    def with_version(self, version: int | None, run_id: str | None = None) -> ArtifactMeta:
        return dataclasses.replace(self, version=version, run_id=run_id or self.run_id)


def read_meta(directory: Path) -> ArtifactMeta:
    path = Path(directory) / META_FILE
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ArtifactNotFoundError(f"no {META_FILE} in {directory}") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ArtifactInvalidError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ArtifactInvalidError(f"{path} is not a JSON object")
    return ArtifactMeta.from_json(data)


def write_meta(directory: Path, meta: ArtifactMeta) -> None:
    path = Path(directory) / META_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(meta.to_json(), indent=2))
    tmp.replace(path)


def stamp_version(directory: Path, version: int, run_id: str | None = None) -> ArtifactMeta:
    """Record the registry version (known only after registration) in an artifact's meta.json."""
    meta = read_meta(directory).with_version(version, run_id)
    write_meta(directory, meta)
    return meta
