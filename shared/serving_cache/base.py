"""The serving-cache interface: layout and write order on top of four storage primitives."""

from __future__ import annotations

import json
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from shared.serving_cache import layout
from shared.serving_cache.errors import CorruptMarkerError, InvalidArtifactError, ModelNotInCacheError


class ModelRef(NamedTuple):
    """One model version in the cache."""

    family: str
    version: int


@dataclass(frozen=True, slots=True)
class AliasMarker:
    """What an alias points at: a registry version and the feature contract it was trained on."""

    version: int
    contract_hash: str
    written_at: str

    def to_json(self) -> bytes:
        body = {"version": self.version, "contract_hash": self.contract_hash, "written_at": self.written_at}
        return json.dumps(body, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes, key: str) -> AliasMarker:
        try:
            body = json.loads(data)
            version = body["version"]
            if isinstance(version, bool) or not isinstance(version, int):
                raise TypeError("version is not an int")
            return cls(
                version=version, contract_hash=str(body["contract_hash"]), written_at=str(body["written_at"])
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise CorruptMarkerError(f"alias marker {key} is not valid: {exc}") from None


class ServingCache(ABC):
    """Aliased model artifacts plus alias markers; subclasses only store and list bytes by key."""

    # -- storage primitives, one per backend ---------------------------------------------------

    @abstractmethod
    def _write(self, key: str, data: bytes) -> None:
        """Store one object so that readers see either nothing or all of it."""

    @abstractmethod
    def _read(self, key: str) -> bytes | None:
        """One object's bytes, or None when absent."""

    @abstractmethod
    def _keys(self, prefix: str) -> list[str]:
        """Every key that starts with prefix (a directory-like prefix ending in '/')."""

    @abstractmethod
    def _delete(self, keys: Iterable[str]) -> None:
        """Remove objects; absent ones are ignored."""

    def describe(self) -> str:
        """Where the cache lives, for logs."""
        return type(self).__name__

    # -- other objects, under a prefix of their own (the event log's archive) ------------------

    def put_object(self, key: str, data: bytes) -> None:
        """Store bytes under a key outside the models and aliases (which `clean` manages)."""
        self._write(_other_object(key), data)

    def get_object(self, key: str) -> bytes | None:
        return self._read(key)

    def delete_object(self, key: str) -> None:
        """Remove an object put with `put_object`; an absent one is ignored."""
        self._delete([_other_object(key)])

    def object_keys(self, prefix: str) -> list[str]:
        return sorted(self._keys(prefix))

    # -- models -------------------------------------------------------------------------------

    def put_model(self, family: str, version: int, artifact_dir: Path | str) -> ModelRef:
        """Copy an artifact directory in, meta.json last; a version already complete is left as is."""
        source = Path(artifact_dir)
        if not (source / layout.META_FILE).is_file():
            raise InvalidArtifactError(f"{source} has no {layout.META_FILE}: not a model artifact")
        prefix = layout.model_prefix(family, version)
        ref = ModelRef(str(family), version)
        if self.has_model(family, version):
            return ref  # registry versions are immutable: the same version is the same model
        files = sorted(p for p in source.rglob("*") if p.is_file())
        for path in files:
            relative = path.relative_to(source).as_posix()
            if relative != layout.META_FILE:
                self._write(prefix + relative, path.read_bytes())
        self._write(prefix + layout.META_FILE, (source / layout.META_FILE).read_bytes())
        return ref

    def has_model(self, family: str, version: int) -> bool:
        return self._read(layout.model_prefix(family, version) + layout.META_FILE) is not None

    def fetch_model(self, family: str, version: int, dest_dir: Path | str) -> Path:
        """Copy a complete model's files into dest_dir (created if needed) and return it."""
        prefix = layout.model_prefix(family, version)
        keys = self._keys(prefix)
        if prefix + layout.META_FILE not in keys:
            raise ModelNotInCacheError(str(family), version)
        dest = Path(dest_dir)
        for key in keys:
            data = self._read(key)
            if data is None:  # removed by a concurrent clean
                raise ModelNotInCacheError(str(family), version)
            target = dest / key.removeprefix(prefix)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return dest

    @contextmanager
    def model_dir(self, family: str, version: int) -> Iterator[Path]:
        """A directory holding the model's files while the block runs (a temporary copy by default)."""
        with tempfile.TemporaryDirectory(prefix="rps-model-") as tmp:
            yield self.fetch_model(family, version, tmp)

    def list_models(self) -> list[ModelRef]:
        """Every complete model version, sorted."""
        refs = set()
        for key in self._keys(layout.MODELS + "/"):
            parts = key.split("/")
            if len(parts) == 4 and parts[3] == layout.META_FILE and parts[2].isdigit():
                refs.add(ModelRef(parts[1], int(parts[2])))
        return sorted(refs)

    def clean(self, keep: Iterable[ModelRef | tuple[str, int]] = ()) -> list[ModelRef]:
        """Remove every model (complete or not) that no marker names and `keep` does not list."""
        named = {ModelRef(str(f), int(v)) for f, v in keep}
        for family, markers in self.read_all_markers().items():
            named.update(ModelRef(family, m.version) for m in markers.values())
        by_model: dict[ModelRef, list[str]] = {}
        for key in self._keys(layout.MODELS + "/"):
            parts = key.split("/")
            if len(parts) >= 4 and parts[2].isdigit():
                by_model.setdefault(ModelRef(parts[1], int(parts[2])), []).append(key)
        removed = []
        for ref, keys in sorted(by_model.items()):
            if ref in named:
                continue
            meta = layout.model_prefix(ref.family, ref.version) + layout.META_FILE
            self._delete([meta])  # incomplete first, so nobody starts reading a half-deleted model
            self._delete(k for k in keys if k != meta)
            removed.append(ref)
        return removed

    # -- model cards --------------------------------------------------------------------------

    def put_card(self, family: str, version: int, files: Mapping[str, bytes]) -> None:
        """Write a complete model's card files ({CARD_JSON: ..., CARD_MARKDOWN: ...}), replacing any."""
        keys = {layout.card_key(family, version, name): data for name, data in files.items()}
        if not self.has_model(family, version):
            raise ModelNotInCacheError(str(family), version)
        for key, data in keys.items():
            self._write(key, data)

    def read_card(self, family: str, version: int, name: str = layout.CARD_JSON) -> bytes | None:
        """One card file of a version, or None when the cache holds no card for it."""
        return self._read(layout.card_key(family, version, name))

    # -- alias markers ------------------------------------------------------------------------

    def set_alias(self, family: str, alias: str, version: int, contract_hash: str) -> AliasMarker:
        """Point alias at a version that is already complete in the cache."""
        key = layout.marker_key(family, alias)
        if not self.has_model(family, version):
            raise ModelNotInCacheError(str(family), version)
        marker = AliasMarker(version=version, contract_hash=contract_hash, written_at=_now())
        self._write(key, marker.to_json())
        return marker

    def write_markers(self, family: str, markers: Mapping[str, tuple[int, str]]) -> dict[str, AliasMarker]:
        """Set several aliases ({alias: (version, contract_hash)}); every model is checked first."""
        for alias, (version, _) in markers.items():
            layout.marker_key(family, alias)
            if not self.has_model(family, version):
                raise ModelNotInCacheError(str(family), version)
        return {alias: self.set_alias(family, alias, v, h) for alias, (v, h) in markers.items()}

    def remove_alias(self, family: str, alias: str) -> None:
        self._delete([layout.marker_key(family, alias)])

    def read_markers(self, family: str) -> dict[str, AliasMarker]:
        """{alias: marker} for one family; aliases without a marker are absent."""
        prefix = layout.family_markers_prefix(family)
        markers = {}
        for key in self._keys(prefix):
            name = key.removeprefix(prefix)
            if "/" in name or not name.endswith(layout.MARKER_SUFFIX):
                continue
            data = self._read(key)
            if data is not None:
                markers[name.removesuffix(layout.MARKER_SUFFIX)] = AliasMarker.from_json(data, key)
        return markers

    def read_all_markers(self) -> dict[str, dict[str, AliasMarker]]:
        """{family: {alias: marker}} for every family with at least one marker."""
        families = {key.split("/")[1] for key in self._keys(layout.ALIASES + "/") if key.count("/") == 2}
        result = {family: self.read_markers(family) for family in sorted(families)}
        return {family: markers for family, markers in result.items() if markers}


def _other_object(key: str) -> str:
    if key.split("/", 1)[0] in (layout.MODELS, layout.ALIASES):
        raise ValueError(f"{key!r} is inside the serving cache's own prefixes")
    return key


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
