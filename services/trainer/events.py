"""Payloads of the trainer's events (docs/architecture.md, "Events"), built by small pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.trainer.dataset import TrainingData
from services.trainer.gate import GateVerdict
from shared.events import AliasAction, aliases_changed_payload
from shared.features import FEATURE_CONTRACT_HASH, Alias, Family


def model_trained(
    family: Family,
    version: int,
    run_id: str,
    metrics: Mapping[str, float],
    verdict: GateVerdict,
    data: TrainingData,
    window_days: int,
    duration_s: float,
) -> dict[str, Any]:
    return {
        "family": family.value,
        "version": version,
        "run_id": run_id,
        "metrics": dict(metrics),
        "gate": verdict.to_json(),
        "rows": data.rows,
        "games": data.games,
        "window_days": window_days,
        "contract_hash": FEATURE_CONTRACT_HASH,
        # The log position the data was read up to: the next run counts new rows after it.
        "data_position": data.head_position,
        "duration_s": round(duration_s, 3),
    }


def aliases_registered(
    family: Family,
    before: Mapping[Alias, int],
    after: Mapping[Alias, int],
    verdict: GateVerdict,
    version: int,
) -> dict[str, Any]:
    reason = (
        f"first version v{version} of {family.value} fills every alias"
        if not before
        else f"v{version} passed the offline gate and enters as shadow2"
    )
    return aliases_changed_payload(
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
