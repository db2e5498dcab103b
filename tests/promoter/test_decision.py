"""The decision rule on hand-made evidence: promote, reject, the guard, waiting challengers, rollback."""

from __future__ import annotations

import pytest

from services.promoter.decision import (
    RollbackImpossibleError,
    Rule,
    Verdict,
    decide,
    judge_pair,
    plan_rollback,
)
from services.promoter.evidence import Evidence
from services.promoter.ledger import Action, AliasChange, AliasMap
from services.promoter.stats import Sums, Tally
from shared.features import Alias, Family

FAM = Family.LIGHTGBM
P, B, S1, S2 = Alias.PRODUCTION, Alias.B, Alias.SHADOW1, Alias.SHADOW2


def aliases(prod: int | None, b: int | None, s1: int | None = None, s2: int | None = None) -> AliasMap:
    return {P: prod, B: b, S1: s1, S2: s2}


def paired(evidence: Evidence, challenger: int, incumbent: int, mean: float, sd: float, n: int) -> None:
    """`n` paired games of challenger − incumbent with this mean and sample standard deviation."""
    squares = sd * sd * (n - 1) + n * mean * mean
    sums = Sums(n, mean * n, squares)
    low, high = min(challenger, incumbent), max(challenger, incumbent)
    evidence.pair_for(FAM, low, high).diffs = sums if challenger == high else sums.negated()


def live(evidence: Evidence, challenger: int, incumbent: int, c: Tally, i: Tally) -> None:
    pair = evidence.pair_for(FAM, min(challenger, incumbent), max(challenger, incumbent))
    if challenger > incumbent:
        pair.high_served, pair.low_served = c, i
    else:
        pair.low_served, pair.high_served = c, i


def test_a_clearly_better_b_is_promoted_and_the_first_waiting_challenger_takes_b() -> None:
    ev = Evidence()
    paired(ev, 2, 1, mean=1.5, sd=3.5, n=400)
    live(ev, 2, 1, Tally(170, 30), Tally(160, 40))
    decision = decide(FAM, aliases(1, 2, 3, 4), ev)
    assert decision.action is Action.PROMOTE
    assert decision.after == aliases(2, 3, 4, None)
    assert decision.evidence["test"]["verdict"] == "promote" and decision.evidence["test"]["low"] > 0


def test_with_no_challenger_waiting_b_is_set_to_the_new_production() -> None:
    ev = Evidence()
    paired(ev, 2, 1, mean=1.5, sd=3.5, n=400)
    live(ev, 2, 1, Tally(170, 30), Tally(160, 40))
    decision = decide(FAM, aliases(1, 2), ev)
    assert decision.after == aliases(2, 2)
    assert "no challenger waits: B set to Production v2" in decision.reason


def test_too_few_paired_games_decide_nothing_even_with_a_large_difference() -> None:
    ev = Evidence()
    paired(ev, 2, 1, mean=5.0, sd=1.0, n=49)
    live(ev, 2, 1, Tally(40, 0), Tally(0, 40))
    decision = decide(FAM, aliases(1, 2), ev)
    assert decision.action is Action.RETAIN and decision.after == decision.before
    assert "49 paired games, need 50" in decision.reason


def test_the_live_guard_holds_a_b_that_loses_significantly_more_games() -> None:
    ev = Evidence()
    paired(ev, 2, 1, mean=1.5, sd=3.5, n=400)
    live(ev, 2, 1, Tally(100, 100), Tally(160, 40))
    test = judge_pair(ev, FAM, 2, 1, Rule(), serving=True)
    assert test.verdict is Verdict.CONTINUE and "held by the live guard" in test.reason
    assert test.guard_z is not None and test.guard_z < -2.33


def test_b_needs_live_games_of_its_own_before_a_promotion() -> None:
    ev = Evidence()
    paired(ev, 2, 1, mean=1.5, sd=3.5, n=400)
    live(ev, 2, 1, Tally(10, 2), Tally(300, 88))
    test = judge_pair(ev, FAM, 2, 1, Rule(), serving=True)
    assert test.verdict is Verdict.CONTINUE and "B served 12 games, need 20" in test.reason


def test_a_b_whose_gain_is_bounded_below_the_meaningful_one_is_rejected() -> None:
    ev = Evidence()
    paired(ev, 2, 1, mean=0.0, sd=3.5, n=3000)
    decision = decide(FAM, aliases(1, 2, 3), ev)
    assert decision.action is Action.REJECT
    assert decision.after == aliases(1, 3, None, None)
    assert decision.evidence["rejected"] == [2]
    assert decision.reason.startswith("reject B v2: not better")


def test_an_undecided_test_is_rejected_at_the_budget() -> None:
    ev = Evidence()
    paired(ev, 2, 1, mean=0.2, sd=20.0, n=6000)
    test = judge_pair(ev, FAM, 2, 1, Rule(), serving=True)
    assert test.verdict is Verdict.REJECT and "budget of 6000 games" in test.reason


def test_b_keeps_its_place_while_its_test_runs_whatever_the_shadows_show() -> None:
    ev = Evidence()
    paired(ev, 2, 1, mean=0.3, sd=3.5, n=200)  # undecided
    paired(ev, 3, 1, mean=2.0, sd=3.5, n=400)  # shadow1 clearly better than Production
    decision = decide(FAM, aliases(1, 2, 3), ev)
    assert decision.action is Action.RETAIN and decision.after == decision.before
    assert decision.reason.startswith("testing B v2")


def test_shadow2_moves_above_shadow1_only_when_their_paired_sequence_says_so() -> None:
    ev = Evidence()
    paired(ev, 2, 1, mean=0.3, sd=3.5, n=200)
    paired(ev, 4, 3, mean=0.1, sd=3.5, n=200)  # not shown better yet
    assert decide(FAM, aliases(1, 2, 3, 4), ev).action is Action.RETAIN
    paired(ev, 4, 3, mean=1.5, sd=3.5, n=400)
    decision = decide(FAM, aliases(1, 2, 3, 4), ev)
    assert decision.action is Action.REORDER and decision.after == aliases(1, 2, 4, 3)


def test_a_family_whose_b_is_production_gets_its_first_waiting_challenger_into_b() -> None:
    decision = decide(FAM, aliases(1, 1, 3, 1), Evidence())
    assert decision.action is Action.REORDER
    assert decision.after == aliases(1, 3, None, None)


def test_a_family_with_nothing_waiting_decides_nothing() -> None:
    for current in (aliases(1, 1, 1, 1), aliases(1, None)):
        decision = decide(FAM, current, Evidence())
        assert decision.action is Action.INSUFFICIENT_DATA and decision.after == current


def entry(position: int, before: AliasMap, after: AliasMap, action: Action = Action.PROMOTE) -> AliasChange:
    return AliasChange(position, FAM, action, before, after)


def test_rollback_restores_the_previous_production_and_the_demoted_one_leaves() -> None:
    history = [entry(10, aliases(1, 2, 3), aliases(2, 3))]
    decision = plan_rollback(FAM, aliases(2, 3, 4), history)
    assert decision.action is Action.ROLLBACK
    assert decision.after == aliases(1, 3, 4, None)
    assert decision.evidence["restored"] == 1 and decision.evidence["demoted"] == 2


def test_a_second_rollback_restores_the_version_the_first_demoted() -> None:
    history = [entry(10, aliases(1, 2), aliases(2, 2))]
    first = plan_rollback(FAM, aliases(2, 2), history)
    assert first.after == aliases(1, 1)
    history.append(entry(11, first.before, first.after, Action.ROLLBACK))
    second = plan_rollback(FAM, first.after, history)
    assert second.after == aliases(2, 2)


def test_rollback_without_an_earlier_production_is_refused() -> None:
    with pytest.raises(RollbackImpossibleError, match="no earlier Production"):
        plan_rollback(FAM, aliases(1, 2), [])
