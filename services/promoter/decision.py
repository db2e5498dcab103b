"""The promotion rule: one decision per family per cycle. Pure: evidence and aliases in, decision out.

B is under test against Production until the test is decided, on paired games (both policies
replayed on the same rounds, see evidence.py), with an always-valid confidence sequence on the
mean per-game difference B − Production (stats.py):
- promote when its lower bound is above 0, after MIN_PAIRED_GAMES, unless B's live game win
  rate is significantly below Production's (the guard) or B served fewer than MIN_LIVE_GAMES_B;
- reject when its upper bound is below MEANINGFUL_POINTS_PER_GAME (no meaningful gain is left
  possible) or after MAX_PAIRED_GAMES paired games.
Either way the best waiting challenger takes B (if none waits, B is set to Production's version:
no test runs). Waiting challengers are tested against Production too, and rejected the same way
(never promoted from a shadow slot); shadow2 moves above shadow1 when their own paired sequence
shows it better. See docs/operations.md, "Promotion".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from services.promoter import defaults
from services.promoter.evidence import Evidence
from services.promoter.ledger import Action, AliasChange, AliasMap, alias_map_json, previous_production
from services.promoter.stats import Tally, confidence_sequence, two_proportion_z
from shared.features import CHALLENGERS, Alias, Family


class RollbackImpossibleError(Exception):
    """The ledger names no earlier Production to restore."""


@dataclass(frozen=True, slots=True)
class Rule:
    """The parameters of the rule; the defaults are the documented ones."""

    alpha: float = defaults.ALPHA
    tightest_at: float = defaults.TIGHTEST_AT_GAMES
    min_paired_games: int = defaults.MIN_PAIRED_GAMES
    meaningful: float = defaults.MEANINGFUL_POINTS_PER_GAME
    max_paired_games: int = defaults.MAX_PAIRED_GAMES
    guard_z: float = defaults.GUARD_Z
    min_live_games_b: int = defaults.MIN_LIVE_GAMES_B


DEFAULT_RULE = Rule()


class Verdict(StrEnum):
    PROMOTE = "promote"
    REJECT = "reject"
    CONTINUE = "continue"


@dataclass(frozen=True, slots=True)
class PairTest:
    """One challenger against the incumbent on their paired games, and the verdict."""

    challenger: int
    incumbent: int
    games: int
    mean: float
    low: float
    high: float
    live_challenger: Tally
    live_incumbent: Tally
    guard_z: float | None
    verdict: Verdict
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "challenger": self.challenger,
            "incumbent": self.incumbent,
            "paired_games": self.games,
            "mean_points_per_game": self.mean,
            "low": self.low,
            "high": self.high,
            "live_challenger": [self.live_challenger.wins, self.live_challenger.losses],
            "live_incumbent": [self.live_incumbent.wins, self.live_incumbent.losses],
            "guard_z": self.guard_z,
            "verdict": self.verdict.value,
            "reason": self.reason,
        }


def judge_pair(
    evidence: Evidence, family: Family, challenger: int, incumbent: int, rule: Rule, serving: bool
) -> PairTest:
    """The verdict on `challenger` against `incumbent`; only a serving challenger (B) can be promoted."""
    diffs, live_c, live_i = evidence.pair(family, challenger, incumbent).oriented(challenger)
    low, high = confidence_sequence(diffs, rule.alpha, rule.tightest_at)
    z = two_proportion_z(live_c, live_i)
    cs = f"B−P {diffs.mean:+.3f} points/game in [{low:+.3f}, {high:+.3f}] over {diffs.n} paired games"

    def verdict(kind: Verdict, reason: str) -> PairTest:
        return PairTest(
            challenger, incumbent, diffs.n, diffs.mean, low, high, live_c, live_i, z, kind, reason
        )

    if diffs.n < rule.min_paired_games:
        return verdict(Verdict.CONTINUE, f"{diffs.n} paired games, need {rule.min_paired_games}")
    if low > 0.0:
        if not serving:
            return verdict(Verdict.CONTINUE, f"better while waiting: {cs}")
        if live_c.total < rule.min_live_games_b:
            return verdict(
                Verdict.CONTINUE, f"{cs}; B served {live_c.total} games, need {rule.min_live_games_b}"
            )
        if z is not None and z < rule.guard_z:
            return verdict(Verdict.CONTINUE, f"{cs}; held by the live guard: z = {z:.2f} < {rule.guard_z}")
        return verdict(Verdict.PROMOTE, cs)
    if high < rule.meaningful:
        return verdict(Verdict.REJECT, f"not better: {cs}, upper bound < {rule.meaningful}")
    if diffs.n >= rule.max_paired_games:
        return verdict(Verdict.REJECT, f"undecided after the budget of {rule.max_paired_games} games: {cs}")
    return verdict(Verdict.CONTINUE, cs)


@dataclass(frozen=True, slots=True)
class Decision:
    """A family's cycle: a ledger action when aliases change, else a status (retain, insufficient_data)."""

    family: Family
    action: Action
    before: AliasMap
    after: AliasMap
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def changes_aliases(self) -> bool:
        return self.before != self.after

    def as_entry(self, position: int = 0) -> AliasChange:
        return AliasChange(
            position, self.family, self.action, self.before, self.after, self.reason, self.evidence
        )


def _waiting(aliases: AliasMap) -> list[int]:
    """Distinct challenger versions in slot order that differ from Production (B first if set)."""
    prod, seen, out = aliases.get(Alias.PRODUCTION), set(), []
    for alias in CHALLENGERS:
        version = aliases.get(alias)
        if version is not None and version != prod and version not in seen:
            seen.add(version)
            out.append(version)
    return out


def _ranked(evidence: Evidence, family: Family, waiting: list[int], rule: Rule) -> list[int]:
    """shadow2 moves above shadow1 only when their paired sequence shows it better."""
    if len(waiting) == 2:
        upper, lower = waiting
        diffs, _, _ = evidence.pair(family, lower, upper).oriented(lower)
        low, _ = confidence_sequence(diffs, rule.alpha, rule.tightest_at)
        if diffs.n >= rule.min_paired_games and low > 0.0:
            return [lower, upper]
    return waiting


def decide(family: Family, aliases: AliasMap, evidence: Evidence, rule: Rule = DEFAULT_RULE) -> Decision:
    """The cycle's decision for one family: promote, reject, reorder, or (no change) a status."""
    before = dict(aliases)
    prod = before.get(Alias.PRODUCTION)
    b_slot = before.get(Alias.B)
    b = b_slot if b_slot is not None and b_slot != prod else None
    waiting = [v for v in _waiting(before) if v != b]
    summary: dict[str, Any] = {
        "rule": asdict(rule),
        "log_position": evidence.last_position,
        "aliases": {a.value: evidence.get(family, v).summary() for a, v in before.items() if v is not None},
    }
    if prod is None:
        return Decision(
            family, Action.INSUFFICIENT_DATA, before, before, "no version under Production", summary
        )
    notes: list[str] = []
    rejected: list[int] = []
    kept: list[int] = []
    for version in waiting:
        shadow = judge_pair(evidence, family, version, prod, rule, serving=False)
        summary.setdefault("waiting", {})[str(version)] = shadow.to_json()
        if shadow.verdict is Verdict.REJECT:
            rejected.append(version)
            notes.append(f"reject waiting v{version}: {shadow.reason}")
        else:
            kept.append(version)
    queue = _ranked(evidence, family, kept, rule)
    new_prod, new_b, action = prod, b, Action.RETAIN
    if b is not None:
        test = judge_pair(evidence, family, b, prod, rule, serving=True)
        summary["test"] = test.to_json()
        if test.verdict is Verdict.PROMOTE:
            new_prod, new_b, action = b, None, Action.PROMOTE
            notes.insert(0, f"promote B v{b} over Production v{prod}: {test.reason}")
        elif test.verdict is Verdict.REJECT:
            rejected.insert(0, b)
            new_b = None
            notes.insert(0, f"reject B v{b}: {test.reason}")
        else:
            notes.insert(0, f"testing B v{b}: {test.reason}")
    if new_b is None and queue:
        new_b = queue.pop(0)
        notes.append(f"v{new_b} takes B")
    elif new_b is None and b is not None:
        notes.append(f"no challenger waits: B set to Production v{new_prod}")
    summary["rejected"] = rejected
    if (new_prod, new_b, queue) == (prod, b, waiting):  # nothing decided: the slots stay as they are
        if b is None:
            notes.append("no challenger under test")
        status = Action.RETAIN if b is not None else Action.INSUFFICIENT_DATA
        return Decision(family, status, before, before, "; ".join(notes), summary)
    after: AliasMap = {Alias.PRODUCTION: new_prod, Alias.B: new_b if new_b is not None else new_prod}
    after.update(zip(CHALLENGERS[1:], [*queue, None, None][:2], strict=True))
    if action is not Action.PROMOTE:
        action = Action.REJECT if rejected else Action.REORDER
    return Decision(family, action, before, after, "; ".join(notes), summary)


def plan_rollback(family: Family, aliases: AliasMap, entries: list[AliasChange]) -> Decision:
    """Restore the Production before the last change of Production; the current one leaves every slot.

    The restored version leaves the challenger slot it may hold; B stays under test unless it was
    one of the two, else the first waiting challenger (or Production's version) takes it. A second
    rollback therefore restores the version the first one demoted.
    """
    target = previous_production(entries)
    current = aliases.get(Alias.PRODUCTION)
    if target is None:
        raise RollbackImpossibleError(f"{family}: the ledger holds no earlier Production to restore")
    if target == current:
        raise RollbackImpossibleError(f"{family}: Production is already v{target}")
    waiting = [v for v in _waiting(aliases) if v not in (target, current)]
    after: AliasMap = {Alias.PRODUCTION: target}
    after.update(zip(CHALLENGERS, [*waiting, None, None, None][:3], strict=True))
    if after[Alias.B] is None:
        after[Alias.B] = target
    reason = f"rollback: restore Production v{target} (v{current} leaves every slot)"
    evidence = {"restored": target, "demoted": current, "before": alias_map_json(aliases)}
    return Decision(family, Action.ROLLBACK, dict(aliases), after, reason, evidence)
