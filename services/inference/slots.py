"""What is loaded: one ModelSlot per family × alias, gathered in an immutable ModelSet."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from shared.features import ALIASES, FAMILIES, FEATURE_CONTRACT_HASH, Alias, Family
from shared.models import LoadedModel


class Source(StrEnum):
    """Where an answer came from: a model from the cache or the registry, or no model at all."""

    CACHE = "cache"
    REGISTRY = "registry"
    FALLBACK = "fallback"


class SlotStatus(StrEnum):
    PENDING = "pending"  # start-up load not finished yet
    LOADED = "loaded"
    ABSENT = "absent"  # no source has a model for this alias
    REFUSED = "refused"  # a model exists but was trained on another feature contract
    FAILED = "failed"  # a source has a model that could not be read
    KEPT = "kept"  # a reload could not read the sources: the model loaded before keeps serving


@dataclass(frozen=True, slots=True)
class ModelSlot:
    """One family × alias: the model serving it, or why there is none (then callers fall back)."""

    family: Family
    alias: Alias
    status: SlotStatus
    source: Source = Source.FALLBACK
    version: int | None = None
    contract_hash: str | None = None  # the model's; the code's is FEATURE_CONTRACT_HASH
    loaded_at: str | None = None
    load_seconds: float | None = None
    error: str | None = None
    model: LoadedModel | None = field(default=None, compare=False, repr=False)

    def describe(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "version": self.version,
            "source": self.source.value,
            "contract_hash": self.contract_hash,
            "expected_contract_hash": FEATURE_CONTRACT_HASH,
            "loaded_at": self.loaded_at,
            "load_seconds": self.load_seconds,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class ModelGroup:
    """Aliases of one family served by the very same loaded model: predicted once per batch call."""

    model: LoadedModel
    version: int | None
    source: Source
    aliases: tuple[Alias, ...]


class ModelSet:
    """Every family × alias at one moment; never mutated, replaced whole on reload."""

    __slots__ = ("_groups", "_slots", "created_at", "generation")

    def __init__(
        self, slots: Mapping[tuple[Family, Alias], ModelSlot], generation: int, created_at: str
    ) -> None:
        missing = {(f, a) for f in FAMILIES for a in ALIASES} - set(slots)
        if missing:
            raise ValueError(f"a model set needs every family × alias; missing {sorted(missing)}")
        self._slots = MappingProxyType(dict(slots))
        self.generation = generation
        self.created_at = created_at
        self._groups = MappingProxyType({family: _group(family, self._slots) for family in FAMILIES})

    @classmethod
    def pending(cls, created_at: str) -> ModelSet:
        slots = {(f, a): ModelSlot(f, a, SlotStatus.PENDING) for f in FAMILIES for a in ALIASES}
        return cls(slots, generation=0, created_at=created_at)

    def slot(self, family: Family, alias: Alias) -> ModelSlot:
        return self._slots[(family, alias)]

    def groups(self, family: Family) -> tuple[ModelGroup, ...]:
        return self._groups[family]

    def __iter__(self) -> Iterator[ModelSlot]:
        return iter(self._slots.values())

    def loaded_model(self, family: Family, version: int) -> LoadedModel | None:
        """A model this set already holds, to reuse instead of loading it again (versions are immutable)."""
        for slot in self._slots.values():
            if slot.family == family and slot.version == version and slot.model:
                return slot.model
        return None

    def describe(self) -> dict[str, dict[str, dict[str, Any]]]:
        return {f.value: {a.value: self.slot(f, a).describe() for a in ALIASES} for f in FAMILIES}


def _group(family: Family, slots: Mapping[tuple[Family, Alias], ModelSlot]) -> tuple[ModelGroup, ...]:
    groups: dict[int, ModelGroup] = {}
    for alias in ALIASES:
        slot = slots[(family, alias)]
        if slot.model is None:
            continue
        known = groups.get(id(slot.model))
        aliases = (*known.aliases, alias) if known else (alias,)
        groups[id(slot.model)] = ModelGroup(slot.model, slot.version, slot.source, aliases)
    return tuple(groups.values())
