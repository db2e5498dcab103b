"""The promotion rule: one decision per family per cycle. Pure: evidence and aliases in, decision out.

Swap Production and B when, on games each version served,
    P(win_rate_B > win_rate_Production + margin) >= swap_probability
with Beta(1, 1) priors, at least `min_games` games of each version, and at least
`min_fresh_games` of each started after the family's last Production/B change (cooldown).
Games before the family's last rollback are not counted. Otherwise re-rank the challengers
(B, shadow1, shadow2) on replayed rounds. See docs/operations.md, "Promotion".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from services.promoter import defaults
from services.promoter.evidence import Evidence, VersionEvidence
from services.promoter.ledger import (
    Action,
    AliasChange,
    AliasMap,
    FamilyHistory,
    alias_map_json,
    previous_production,
)
from services.promoter.stats import prob_greater
from shared.features import CHALLENGERS, Alias, Family


class RollbackImpossibleError(Exception):
    """The ledger names no earlier Production to restore."""


@dataclass(frozen=True, slots=True)
class Rule:
    """The parameters of the rule; the defaults are the documented ones."""

    swap_probability: float = defaults.SWAP_PROBABILITY
    swap_margin: float = defaults.SWAP_MARGIN
    min_games: int = defaults.MIN_GAMES
    min_fresh_games: int = defaults.MIN_FRESH_GAMES
    reorder_probability: float = defaults.REORDER_PROBABILITY
    min_rounds: int = defaults.MIN_ROUNDS


DEFAULT_RULE = Rule()


@dataclass(frozen=True, slots=True)
class Decision:
    family: Family
    action: Action
    before: AliasMap
    after: AliasMap
    reason: str
    posterior: float | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def changes_aliases(self) -> bool:
        return self.before != self.after

    def as_entry(self, position: int = 0) -> AliasChange:
        return AliasChange(
            position, self.family, self.action, self.before, self.after, self.reason, self.evidence
        )


@dataclass(frozen=True, slots=True)
class SwapCheck:
    """The Production-versus-B comparison of one cycle."""

    ready: bool
    posterior: float | None
    reason: str


def check_swap(prod: VersionEvidence, b: VersionEvidence, history: FamilyHistory, rule: Rule) -> SwapCheck:
    """Whether B's game record beats Production's by the rule, with enough (and fresh) games."""
    window = history.last_rollback
    tally_b, tally_p = b.game_tally(window), prod.game_tally(window)
    fresh_b, fresh_p = b.game_tally(history.last_pair_change), prod.game_tally(history.last_pair_change)
    posterior = prob_greater(tally_b, tally_p, rule.swap_margin)
    if min(tally_b.total, tally_p.total) < rule.min_games:
        reason = f"games B={tally_b.total} Production={tally_p.total}, need {rule.min_games} each"
        return SwapCheck(False, posterior, reason)
    if min(fresh_b.total, fresh_p.total) < rule.min_fresh_games:
        reason = (
            f"cooldown: games since the last Production/B change B={fresh_b.total} "
            f"Production={fresh_p.total}, need {rule.min_fresh_games} each"
        )
        return SwapCheck(False, posterior, reason)
    return SwapCheck(True, posterior, f"P(B > Production + {rule.swap_margin}) = {posterior:.4f}")


def rerank_challengers(aliases: AliasMap, evidence: Evidence, family: Family, rule: Rule) -> AliasMap:
    """Challengers in the order their replayed rounds support, moving only on strong evidence.

    Empty slots are filled from below; then adjacent challengers swap when the lower one has
    P(would-win rate higher) >= reorder_probability, both with at least min_rounds rounds.
    """
    ranked = [v for v in (aliases.get(a) for a in CHALLENGERS) if v is not None]
    moved = True
    while moved:  # bubble passes; each swap removes an inversion of the posterior means: terminates
        moved = False
        for i in range(len(ranked) - 1):
            upper = evidence.get(family, ranked[i]).round_tally
            lower = evidence.get(family, ranked[i + 1]).round_tally
            enough = min(upper.total, lower.total) >= rule.min_rounds
            better = lower.posterior_mean > upper.posterior_mean
            if enough and better and prob_greater(lower, upper) >= rule.reorder_probability:
                ranked[i], ranked[i + 1] = ranked[i + 1], ranked[i]
                moved = True
    order: list[int | None] = [*ranked, *([None] * (len(CHALLENGERS) - len(ranked)))]
    after = dict(aliases)
    after.update(zip(CHALLENGERS, order, strict=True))
    return after


def evidence_summary(
    aliases: AliasMap, evidence: Evidence, family: Family, history: FamilyHistory, rule: Rule
) -> dict[str, Any]:
    per_alias = {
        alias.value: evidence.get(family, version).summary(history.last_rollback, history.last_pair_change)
        for alias, version in aliases.items()
        if version is not None
    }
    return {
        "aliases": per_alias,
        "rule": asdict(rule),
        "last_pair_change_position": history.last_pair_change,
        "last_rollback_position": history.last_rollback,
        "log_position": evidence.last_position,
    }


def decide(
    family: Family, aliases: AliasMap, evidence: Evidence, history: FamilyHistory, rule: Rule = DEFAULT_RULE
) -> Decision:
    """The cycle's decision for one family: promote, reorder, retain or insufficient_data."""
    before = dict(aliases)
    summary = evidence_summary(before, evidence, family, history, rule)
    prod, b = before.get(Alias.PRODUCTION), before.get(Alias.B)
    swap: SwapCheck | None = None
    if prod is not None and b is not None and prod != b:
        swap = check_swap(evidence.get(family, prod), evidence.get(family, b), history, rule)
        summary["posterior"] = swap.posterior
        if swap.ready and swap.posterior is not None and swap.posterior >= rule.swap_probability:
            after = {**before, Alias.PRODUCTION: b, Alias.B: prod}
            reason = f"promote B v{b} over Production v{prod}: {swap.reason}"
            return Decision(family, Action.PROMOTE, before, after, reason, swap.posterior, summary)
    reranked = rerank_challengers(before, evidence, family, rule)
    posterior = swap.posterior if swap else None
    if reranked != before:
        order = ", ".join(f"{a}=v{reranked[a]}" for a in CHALLENGERS if reranked[a] is not None)
        reason = f"challengers re-ranked on replayed rounds: {order}"
        return Decision(family, Action.REORDER, before, reranked, reason, posterior, summary)
    if prod is None or b is None:
        missing = "Production" if prod is None else "B"
        reason = f"no version under {missing}"
        return Decision(family, Action.INSUFFICIENT_DATA, before, before, reason, posterior, summary)
    if swap is None or not swap.ready:
        reason = swap.reason if swap else "Production and B are the same version"
        return Decision(family, Action.INSUFFICIENT_DATA, before, before, reason, posterior, summary)
    reason = f"retain Production v{prod}: {swap.reason} < {rule.swap_probability}"
    return Decision(family, Action.RETAIN, before, before, reason, posterior, summary)


def plan_rollback(family: Family, aliases: AliasMap, entries: list[AliasChange]) -> Decision:
    """Restore the Production before the last Production change; the current one takes its slot.

    If the restored version holds no slot now, the current Production goes to B and the
    challengers shift down one slot (the last one drops out).
    """
    target = previous_production(entries)
    current = aliases.get(Alias.PRODUCTION)
    if target is None:
        raise RollbackImpossibleError(f"{family}: the ledger holds no earlier Production to restore")
    if target == current:
        raise RollbackImpossibleError(f"{family}: Production is already v{target}")
    after = dict(aliases)
    slot = next((a for a in CHALLENGERS if aliases.get(a) == target), None)
    if slot is not None:
        after[slot] = current
    else:
        shifted = [current] + [aliases.get(a) for a in CHALLENGERS[:-1]]
        after.update(zip(CHALLENGERS, shifted, strict=True))
    after[Alias.PRODUCTION] = target
    reason = f"rollback: restore Production v{target} (was v{current})"
    evidence = {"restored": target, "demoted": current, "before": alias_map_json(aliases)}
    return Decision(family, Action.ROLLBACK, dict(aliases), after, reason, None, evidence)
