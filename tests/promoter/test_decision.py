"""The decision rule on hand-made evidence: every decision kind, cooldown, rollback."""

from __future__ import annotations

import pytest

from services.promoter.decision import RollbackImpossibleError, Rule, decide, plan_rollback
from services.promoter.evidence import Evidence
from services.promoter.ledger import Action, AliasChange, AliasMap, FamilyHistory
from shared.features import Alias, Family

FAM = Family.LIGHTGBM
P, B, S1, S2 = Alias.PRODUCTION, Alias.B, Alias.SHADOW1, Alias.SHADOW2


def aliases(prod: int | None, b: int | None, s1: int | None = None, s2: int | None = None) -> AliasMap:
    return {P: prod, B: b, S1: s1, S2: s2}


def add_games(evidence: Evidence, version: int, wins: int, losses: int, start: int) -> int:
    """Games of a version at positions start+1...; returns the last position used."""
    record = evidence.record_for(FAM, version)
    for i in range(wins + losses):
        record.add_game(start + i + 1, i < wins)
    evidence.last_position = max(evidence.last_position, start + wins + losses)
    return start + wins + losses


def add_rounds(evidence: Evidence, version: int, win: int, lose: int, draw: int = 0) -> None:
    record = evidence.record_for(FAM, version)
    record.rounds, record.would_win, record.would_lose, record.would_draw = win + lose + draw, win, lose, draw


def test_a_clearly_better_b_is_promoted() -> None:
    ev = Evidence()
    add_games(ev, 1, 54, 66, 0)
    add_games(ev, 2, 84, 36, 200)
    decision = decide(FAM, aliases(1, 2), ev, FamilyHistory())
    assert decision.action is Action.PROMOTE
    assert decision.after == aliases(2, 1)
    assert decision.posterior is not None and decision.posterior >= 0.95
    assert decision.evidence["aliases"]["B"]["games_won"] == 84


def test_too_few_games_is_insufficient_data_even_with_a_perfect_record() -> None:
    ev = Evidence()
    add_games(ev, 1, 0, 99, 0)
    add_games(ev, 2, 99, 0, 100)
    decision = decide(FAM, aliases(1, 2), ev, FamilyHistory())
    assert decision.action is Action.INSUFFICIENT_DATA
    assert decision.after == decision.before
    assert "need 100 each" in decision.reason


def test_similar_records_are_retained() -> None:
    ev = Evidence()
    add_games(ev, 1, 60, 60, 0)
    add_games(ev, 2, 65, 55, 200)
    decision = decide(FAM, aliases(1, 2), ev, FamilyHistory())
    assert decision.action is Action.RETAIN
    assert decision.posterior is not None and decision.posterior < 0.95


def test_cooldown_needs_fresh_games_of_both_after_a_change() -> None:
    ev = Evidence()
    end = add_games(ev, 1, 54, 66, 0)
    end = add_games(ev, 2, 84, 36, end)
    change = end + 1  # B became B here: its games are older than the change
    history = FamilyHistory(last_pair_change=change)
    assert decide(FAM, aliases(1, 2), ev, history).action is Action.INSUFFICIENT_DATA
    end = add_games(ev, 1, 12, 18, change)
    end = add_games(ev, 2, 20, 10, end)
    assert decide(FAM, aliases(1, 2), ev, history).action is Action.PROMOTE


def test_no_swap_back_after_a_promotion() -> None:
    ev = Evidence()
    end = add_games(ev, 1, 54, 66, 0)
    end = add_games(ev, 2, 84, 36, end)
    first = decide(FAM, aliases(1, 2), ev, FamilyHistory())
    assert first.action is Action.PROMOTE
    history = FamilyHistory(last_pair_change=end + 1)
    # The old Production, now under B, keeps its own (worse) record: fresh games change nothing.
    end = add_games(ev, 2, 20, 20, end + 1)
    add_games(ev, 1, 20, 20, end)
    second = decide(FAM, first.after, ev, history)
    assert second.action is Action.RETAIN
    assert second.after == aliases(2, 1)


def test_games_before_a_rollback_do_not_count() -> None:
    ev = Evidence()
    end = add_games(ev, 1, 54, 66, 0)
    end = add_games(ev, 2, 84, 36, end)
    history = FamilyHistory(last_pair_change=end + 1, last_rollback=end + 1)
    decision = decide(FAM, aliases(1, 2), ev, history)
    assert decision.action is Action.INSUFFICIENT_DATA
    assert decision.evidence["aliases"]["B"]["games_won"] == 0


def test_a_challenger_with_clearly_better_rounds_moves_up() -> None:
    ev = Evidence()
    add_games(ev, 1, 60, 60, 0)
    add_games(ev, 2, 60, 60, 200)
    add_rounds(ev, 2, 300, 300)
    add_rounds(ev, 3, 320, 300)  # not clearly better than v2
    add_rounds(ev, 4, 400, 200)  # clearly better than both
    decision = decide(FAM, aliases(1, 2, 3, 4), ev, FamilyHistory())
    assert decision.action is Action.REORDER
    assert decision.after == aliases(1, 4, 2, 3)


def test_challengers_without_enough_rounds_stay_where_they_are() -> None:
    ev = Evidence()
    add_games(ev, 1, 60, 60, 0)
    add_games(ev, 2, 60, 60, 200)
    add_rounds(ev, 2, 300, 300)
    add_rounds(ev, 3, 60, 10)  # 70 decisive rounds < 100
    decision = decide(FAM, aliases(1, 2, 3), ev, FamilyHistory())
    assert decision.action is Action.RETAIN


def test_an_empty_b_is_filled_from_the_shadows() -> None:
    decision = decide(FAM, aliases(1, None, 3, 4), Evidence(), FamilyHistory())
    assert decision.action is Action.REORDER
    assert decision.after == aliases(1, 3, 4, None)


def test_no_production_is_insufficient_data() -> None:
    decision = decide(FAM, aliases(None, 2), Evidence(), FamilyHistory())
    assert decision.action is Action.INSUFFICIENT_DATA
    assert "Production" in decision.reason


def test_rollback_restores_the_previous_production_and_swaps_slots() -> None:
    promote = AliasChange(10, FAM, Action.PROMOTE, aliases(1, 2, 3), aliases(2, 1, 3))
    decision = plan_rollback(FAM, aliases(2, 1, 3), [promote])
    assert decision.action is Action.ROLLBACK
    assert decision.after == aliases(1, 2, 3)


def test_rollback_to_a_version_without_a_slot_shifts_the_challengers() -> None:
    promote = AliasChange(10, FAM, Action.PROMOTE, aliases(1, 2, 3, 4), aliases(2, 1, 3, 4))
    reorder = AliasChange(11, FAM, Action.REORDER, aliases(2, 1, 3, 4), aliases(2, 5, 3, 4))
    decision = plan_rollback(FAM, aliases(2, 5, 3, 4), [promote, reorder])
    assert decision.after == aliases(1, 2, 5, 3)


def test_rollback_without_an_earlier_production_is_refused() -> None:
    register = AliasChange(1, FAM, Action.REGISTER, aliases(None, None), aliases(1, None))
    with pytest.raises(RollbackImpossibleError):
        plan_rollback(FAM, aliases(1, 2), [register])


def test_rule_parameters_are_recorded_with_the_evidence() -> None:
    decision = decide(FAM, aliases(1, 2), Evidence(), FamilyHistory(), Rule(min_games=5))
    assert decision.evidence["rule"]["min_games"] == 5
