"""The promotion ledger: `AliasesChanged` events read back as entries. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.events import AliasAction
from shared.features import ALIASES, Alias, Family

# Which version each alias points at; None when the alias is unset.
AliasMap = dict[Alias, int | None]


Action = AliasAction  # the kind of an `AliasesChanged` entry


@dataclass(frozen=True, slots=True)
class AliasChange:
    """One `AliasesChanged` event of a family (a ledger entry), typed, with its log position."""

    position: int
    family: Family
    action: Action
    before: AliasMap
    after: AliasMap
    reason: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> tuple[Alias, ...]:
        return tuple(a for a in ALIASES if self.before.get(a) != self.after.get(a))


def alias_map(raw: Mapping[str, Any] | None) -> AliasMap:
    """An AliasMap from JSON; every alias present, unknown keys ignored."""
    raw = raw or {}
    return {a: (None if raw.get(a.value) is None else int(raw[a.value])) for a in ALIASES}


def alias_map_json(aliases: AliasMap) -> dict[str, int | None]:
    return {a.value: aliases.get(a) for a in ALIASES}


def change_from_row(
    position: int,
    family: str,
    action: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    reason: str = "",
    evidence: Mapping[str, Any] | None = None,
) -> AliasChange:
    """An AliasChange from a ledger row or an `AliasesChanged` payload's fields."""
    return AliasChange(
        position=position,
        family=Family(family),
        action=Action(action),
        before=alias_map(before),
        after=alias_map(after),
        reason=reason,
        evidence=evidence or {},
    )


def previous_production(entries: Iterable[AliasChange]) -> int | None:
    """The Production version before the last entry that replaced it (promote or rollback)."""
    previous: int | None = None
    for entry in entries:
        before, after = entry.before.get(Alias.PRODUCTION), entry.after.get(Alias.PRODUCTION)
        if before is not None and before != after:
            previous = before
    return previous
