"""The trainer's alias plan and the reason its AliasesChanged entries give (payloads: shared.events)."""

from __future__ import annotations

from collections.abc import Mapping

from services.trainer.gate import GateVerdict
from shared.events import AliasAction, AliasesChanged
from shared.features import Alias, Family


def aliases_registered(
    family: Family,
    before: Mapping[Alias, int],
    after: Mapping[Alias, int],
    verdict: GateVerdict,
    version: int,
) -> AliasesChanged:
    reason = (
        f"first version v{version} of {family.value} fills every alias"
        if not before
        else f"v{version} passed the offline gate and enters as shadow2"
    )
    return AliasesChanged.between(
        family.value,
        AliasAction.REGISTER,
        before=before,
        after=after,
        evidence={"version": version, "gate": verdict.to_json()},
        reason=reason,
    )


def plan_aliases(current: Mapping[Alias, int], version: int, passed: bool) -> dict[Alias, int] | None:
    """The aliases to set for a new version, or None: a first-ever version takes all four,
    a later one shadow2, and only when it passed the gate."""
    if not passed:
        return None
    if not current:
        return dict.fromkeys(Alias, version)
    return {Alias.SHADOW2: version}
