"""Builds a ModelSet: for each family × alias, serving cache → MLflow registry → degraded, concurrently.

A reload reads the alias markers (or asks the registry) and loads only the versions that are not
in memory already; a version two aliases share is loaded once. An alias whose sources cannot be
read (S3 or the registry down, a model that fails to load) keeps the model it had (status `kept`):
an outage never takes away what serves.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from services.inference.metrics import InferenceMetrics
from services.inference.registry import RegistrySource
from services.inference.slots import ModelSet, ModelSlot, SlotStatus, Source
from shared.features import ALIASES, FAMILIES, FEATURE_CONTRACT_HASH, Alias, Family
from shared.models import ArtifactError, ContractMismatchError, LoadedModel, load_artifact, read_meta
from shared.serving_cache import AliasMarker, ServingCache, ServingCacheError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Loaded:
    model: LoadedModel
    seconds: float
    reused: bool


@dataclass(frozen=True, slots=True)
class _Refused:
    model_hash: str


_Outcome = _Loaded | _Refused


class _RegistryUnreachableError(Exception):
    """The registry failed once in this load: the other aliases skip it instead of waiting again."""


class _ContractRefusedError(Exception):
    def __init__(self, model_hash: str) -> None:
        super().__init__(model_hash)
        self.model_hash = model_hash


class ModelLoader:
    """Loads every family × alias from the configured sources; safe to call from one thread at a time."""

    def __init__(
        self,
        cache: ServingCache | None,
        registry: RegistrySource | None,
        metrics: InferenceMetrics,
        threads: int = 8,
    ) -> None:
        self.cache = cache
        self.registry = registry
        self.metrics = metrics
        self.threads = threads

    def load(self, previous: ModelSet | None, generation: int) -> ModelSet:
        markers, cache_error = self._read_markers()
        run = _LoadRun(self, previous)
        with ThreadPoolExecutor(self.threads, thread_name_prefix="model-load") as pool:
            futures = {
                (f, a): pool.submit(run.load_alias, f, a, markers.get(f.value, {}).get(a.value), cache_error)
                for f in FAMILIES
                for a in ALIASES
            }
            slots = {key: future.result() for key, future in futures.items()}
        return ModelSet(slots, generation=generation, created_at=_now())

    def _read_markers(self) -> tuple[dict[str, dict[str, AliasMarker]], str | None]:
        if self.cache is None:
            return {}, "no serving cache configured"
        try:
            return self.cache.read_all_markers(), None
        except Exception as exc:  # S3 down, bad credentials, corrupt marker: fall through to the registry
            log.error("serving cache %s unreadable: %s", self.cache.describe(), exc)
            return {}, f"cache unreadable: {exc}"


class _LoadRun:
    """One ModelSet build: remembers each (source, family, version) outcome so it is loaded once."""

    def __init__(self, loader: ModelLoader, previous: ModelSet | None) -> None:
        self.loader = loader
        self.metrics = loader.metrics
        self.previous = previous
        self._guard = threading.Lock()
        self._locks: dict[tuple[Source, Family, int], threading.Lock] = {}
        self._outcomes: dict[tuple[Source, Family, int], _Outcome | Exception] = {}
        self._registry_error: str | None = None  # the first failure: later aliases do not wait for it again

    def load_alias(
        self, family: Family, alias: Alias, marker: AliasMarker | None, cache_note: str | None
    ) -> ModelSlot:
        notes: list[str] = []
        refused_hash: str | None = None
        attempts: list[tuple[Source, Callable[[], tuple[int, Callable[[], LoadedModel]] | None]]] = [
            (Source.CACHE, lambda: self._cache_target(family, marker)),
            (Source.REGISTRY, lambda: self._registry_target(family, alias)),
        ]
        for source, target in attempts:
            try:
                found = target()
            except Exception as exc:
                notes.append(f"{source}: {exc}")
                continue
            if found is None:
                continue
            version, load = found
            if (
                source is Source.CACHE
                and marker is not None
                and marker.contract_hash != FEATURE_CONTRACT_HASH
            ):
                outcome: _Outcome | Exception = _Refused(marker.contract_hash)  # known without downloading
            else:
                outcome = self._once(source, family, version, load)
            if isinstance(outcome, _Loaded):
                return self._loaded_slot(family, alias, source, version, outcome)
            if isinstance(outcome, _Refused):
                refused_hash = outcome.model_hash
                self.metrics.contract_refusals.labels(family.value, alias.value, source.value).inc()
                message = (
                    f"{source}: version {version} refused: trained on feature contract {outcome.model_hash}, "
                    f"this code has {FEATURE_CONTRACT_HASH}"
                )
                log.error("%s@%s %s", family.value, alias.value, message)
                notes.append(message)
            else:
                notes.append(f"{source}: version {version} failed to load: {outcome}")
        if marker is None and cache_note:
            notes.insert(0, f"cache: {cache_note}")
        if notes and refused_hash is None and (kept := self._kept(family, alias, notes)) is not None:
            return kept
        status = SlotStatus.REFUSED if refused_hash else SlotStatus.FAILED if notes else SlotStatus.ABSENT
        error = "; ".join(notes) or "no model in the serving cache or the registry"
        return ModelSlot(family, alias, status, Source.FALLBACK, contract_hash=refused_hash, error=error)

    def _kept(self, family: Family, alias: Alias, notes: list[str]) -> ModelSlot | None:
        """The previous set's model for this alias, kept because no source could be read; None if none."""
        if self.previous is None:
            return None
        before = self.previous.slot(family, alias)
        if before.model is None:
            return None
        self.metrics.models_kept.labels(family.value, alias.value).inc()
        error = f"kept version {before.version} loaded at {before.loaded_at}: " + "; ".join(notes)
        log.warning("%s@%s %s", family.value, alias.value, error)
        return dataclasses.replace(before, status=SlotStatus.KEPT, error=error)

    def _cache_target(
        self, family: Family, marker: AliasMarker | None
    ) -> tuple[int, Callable[[], LoadedModel]] | None:
        cache = self.loader.cache
        if marker is None or cache is None:
            return None

        def load() -> LoadedModel:
            with cache.model_dir(family.value, marker.version) as path:
                return self._load_checked(path)

        return marker.version, load

    def _registry_target(self, family: Family, alias: Alias) -> tuple[int, Callable[[], LoadedModel]] | None:
        registry = self.loader.registry
        if registry is None or not registry.available():
            return None
        if self._registry_error is not None:
            raise _RegistryUnreachableError(self._registry_error)
        try:
            found = registry.resolve(family, alias)
        except Exception as exc:
            self._registry_error = f"unreachable: {exc}"
            raise _RegistryUnreachableError(self._registry_error) from None
        if found is None:
            return None
        version, source = found
        return version, lambda: registry.load(family, version, source)

    @staticmethod
    def _load_checked(path: Path) -> LoadedModel:
        """load_artifact refuses a model of another contract before its library loads it."""
        try:
            return load_artifact(path)
        except ContractMismatchError:
            raise _ContractRefusedError(read_meta(path).contract_hash) from None

    def _once(
        self,
        source: Source,
        family: Family,
        version: int,
        load: Callable[[], LoadedModel],
    ) -> _Outcome | Exception:
        key = (source, family, version)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._outcomes:
                self._outcomes[key] = self._load(source, family, version, load)
            return self._outcomes[key]

    def _load(
        self,
        source: Source,
        family: Family,
        version: int,
        load: Callable[[], LoadedModel],
    ) -> _Outcome | Exception:
        if self.previous is not None and (model := self.previous.loaded_model(family, version)):
            return _Loaded(model, 0.0, reused=True)
        started = time.perf_counter()
        try:
            model = load()
        except _ContractRefusedError as exc:
            return _Refused(exc.model_hash)
        except (ArtifactError, ServingCacheError, OSError, ValueError) as exc:
            self.metrics.model_load_failures.labels(family.value, source.value).inc()
            log.error("%s version %d from %s failed to load: %s", family.value, version, source.value, exc)
            return exc
        if model.meta.contract_hash != FEATURE_CONTRACT_HASH:
            return _Refused(model.meta.contract_hash)
        seconds = time.perf_counter() - started
        self.metrics.model_loads.labels(family.value, source.value).inc()
        self.metrics.model_load_seconds.labels(source.value).observe(seconds)
        return _Loaded(model, seconds, reused=False)

    def _loaded_slot(
        self, family: Family, alias: Alias, source: Source, version: int, loaded: _Loaded
    ) -> ModelSlot:
        if loaded.reused and self.previous is not None:
            before = self.previous.slot(family, alias)
            if before.model is loaded.model and before.source is source:
                # Same version, same alias, same source: keep its original load time.
                return dataclasses.replace(before, status=SlotStatus.LOADED, error=None)
        return ModelSlot(
            family,
            alias,
            SlotStatus.LOADED,
            source,
            version=version,
            contract_hash=loaded.model.meta.contract_hash,
            loaded_at=_now(),
            load_seconds=round(loaded.seconds, 6),
            model=loaded.model,
        )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
