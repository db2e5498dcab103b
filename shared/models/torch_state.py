"""Reads a `torch.save(state_dict)` file into numpy arrays without importing torch.

The file is a zip: `<root>/data.pkl` (a pickle naming tensors by storage key) and
`<root>/data/<key>` (each storage's raw little-endian bytes). The unpickler admits only
the few globals a state_dict of dense CPU tensors uses, so the file cannot run code.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from shared.models.errors import ArtifactInvalidError

_STORAGE_DTYPES: dict[str, np.dtype[Any]] = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "BoolStorage": np.dtype("?"),
}


class _StorageType:
    """Stands for `torch.<X>Storage` in the pickle: only its dtype matters here."""

    def __init__(self, dtype: np.dtype[Any]) -> None:
        self.dtype = dtype


def _rebuild_tensor(
    storage: npt.NDArray[Any], offset: int, size: tuple[int, ...], stride: tuple[int, ...], *_: object
) -> npt.NDArray[Any]:
    """torch._utils._rebuild_tensor_v2: a view of the storage, copied so it owns its memory."""
    if any(s < 0 for s in (*size, *stride)) or offset < 0:
        raise ArtifactInvalidError(f"tensor with a negative size or stride: {size}, {stride}")
    extent = offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True)) + 1 if all(size) else 0
    if extent > storage.size:
        raise ArtifactInvalidError(f"tensor of size {size} runs past its storage of {storage.size} items")
    view = np.lib.stride_tricks.as_strided(
        storage[offset:], shape=size, strides=tuple(s * storage.itemsize for s in stride)
    )
    return np.array(view)


class _StateUnpickler(pickle.Unpickler):
    def __init__(self, archive: zipfile.ZipFile, root: str, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self.archive = archive
        self.root = root

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(_STORAGE_DTYPES[name])
        raise ArtifactInvalidError(
            f"state_dict file refers to {module}.{name}, which a state_dict never needs"
        )

    def persistent_load(self, pid: Any) -> npt.NDArray[Any]:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise ArtifactInvalidError(f"unexpected persistent id in a state_dict file: {pid!r}")
        _, storage_type, key, _location, numel = pid
        if not isinstance(storage_type, _StorageType):
            raise ArtifactInvalidError(f"unexpected storage type {storage_type!r}")
        raw = self.archive.read(f"{self.root}/data/{key}")
        storage = np.frombuffer(raw, dtype=storage_type.dtype)
        if storage.size < int(numel):
            raise ArtifactInvalidError(f"storage {key} holds {storage.size} items, the pickle says {numel}")
        return storage


def read_state_dict(path: Path) -> dict[str, npt.NDArray[Any]]:
    """{name: array} of a state_dict saved by torch.save (zip format, CPU tensors, little-endian)."""
    try:
        with zipfile.ZipFile(path) as archive:
            pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
            if len(pickles) != 1:
                raise ArtifactInvalidError(f"{path}: not a torch.save zip file (no single data.pkl)")
            root = pickles[0].split("/")[0]
            order = f"{root}/byteorder"
            if order in archive.namelist() and archive.read(order).strip() != b"little":
                raise ArtifactInvalidError(f"{path}: big-endian tensors are not supported")
            state = _StateUnpickler(archive, root, archive.read(pickles[0])).load()
    except (zipfile.BadZipFile, KeyError, pickle.UnpicklingError, EOFError) as exc:
        raise ArtifactInvalidError(f"{path}: cannot read the state_dict: {exc}") from None
    if not isinstance(state, dict) or not all(isinstance(v, np.ndarray) for v in state.values()):
        raise ArtifactInvalidError(f"{path}: not a state_dict of tensors")
    return {str(k): v for k, v in state.items()}
