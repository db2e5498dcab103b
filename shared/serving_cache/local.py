"""The serving cache in a local directory: the embedded default for `make run`."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from shared.serving_cache import layout
from shared.serving_cache.base import ServingCache
from shared.serving_cache.errors import ModelNotInCacheError

_TMP = ".tmp-"  # in-progress writes; never listed


class LocalDirectoryCache(ServingCache):
    """Keys are relative paths under root; each file is written to a temporary name, then renamed."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def describe(self) -> str:
        return f"directory {self.root}"

    def _path(self, key: str) -> Path:
        return self.root / key

    def _write(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{_TMP}{uuid.uuid4().hex}-{path.name}")
        tmp.write_bytes(data)
        tmp.replace(path)  # atomic on POSIX: readers see the old file or the new one

    def _read(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def _keys(self, prefix: str) -> list[str]:
        base = self._path(prefix)
        if not base.is_dir():
            return []
        keys = []
        for dirpath, _, filenames in os.walk(base):
            for name in filenames:
                if not name.startswith(_TMP):
                    keys.append((Path(dirpath) / name).relative_to(self.root).as_posix())
        return sorted(keys)

    def _delete(self, keys: Iterable[str]) -> None:
        parents = set()
        for key in keys:
            path = self._path(key)
            path.unlink(missing_ok=True)
            parents.add(path.parent)
        for parent in sorted(parents, key=lambda p: len(p.parts), reverse=True):
            _remove_empty_dirs(parent, stop=self.root)

    @contextmanager
    def model_dir(self, family: str, version: int) -> Iterator[Path]:
        """The model's own directory, read in place: no copy on the start-up path."""
        path = self._path(layout.model_prefix(family, version))
        if not (path / layout.META_FILE).is_file():
            raise ModelNotInCacheError(str(family), version)
        yield path


def _remove_empty_dirs(path: Path, stop: Path) -> None:
    """Remove path and its parents while they are empty, up to (not including) stop."""
    while path != stop and stop in path.parents:
        try:
            path.rmdir()
        except OSError:
            return
        path = path.parent
