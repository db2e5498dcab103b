"""The trainer's ledger entry for a new version: its placement (or refusal) as an alias move."""

from __future__ import annotations

from collections.abc import Mapping

from services.trainer.gate import GateVerdict
from shared.events import AliasAction, ModelTrained
from shared.features import Alias, Family, place_candidate
from shared.registry import AliasMove


def plan_aliases(current: Mapping[Alias, int], version: int, passed: bool) -> dict[Alias, int] | None:
    """The aliases to set for a new version, or None when it failed the gate (see place_candidate)."""
    if not passed:
        return None
    return place_candidate(current, version)[0]


def placement(
    family: Family,
    before: Mapping[Alias, int | None],
    version: int,
    verdict: GateVerdict,
    model_trained: ModelTrained,
) -> AliasMove:
    """The `register` entry of a new version, recorded with its `ModelTrained`: it takes its aliases,
    or (refused by the gate) it moves none and the entry says why, with the gate's figures."""
    current = {alias: v for alias, v in before.items() if v is not None}
    plan = plan_aliases(current, version, verdict.passed)
    if plan is None:
        reason = f"v{version} registered without an alias: the offline gate refused it: {verdict.reason}"
    elif not current:
        reason = f"first version v{version} of {family.value} fills every alias"
    else:
        slot = next(a for a in Alias if plan.get(a) == version)
        reason = f"v{version} passed the offline gate and waits as {slot.value}"
        displaced = current.get(slot)
        if displaced is not None and displaced not in (current.get(Alias.PRODUCTION), current.get(Alias.B)):
            reason += f"; v{displaced} leaves {slot.value} untested: both waiting slots were taken"
            reason += " and it was ranked last"
    return AliasMove(
        family,
        AliasAction.REGISTER,
        before=dict(before),
        after={**before, **(plan or {})},
        reason=reason,
        evidence={"version": version, "gate": verdict.to_json()},
        preceding=(model_trained,),
    )
