"""Alias routing (pure): the bandit's share of B, and where a new version waits."""

from __future__ import annotations

import pytest

from shared.features import BANDIT_FLOOR, Alias, bandit_share_b, place_candidate, select_alias

P, B, S1, S2 = Alias.PRODUCTION, Alias.B, Alias.SHADOW1, Alias.SHADOW2


def test_with_no_evidence_or_equal_records_the_bandit_splits_evenly() -> None:
    assert bandit_share_b((0, 0), (0, 0)) == pytest.approx(0.5)
    assert bandit_share_b((70, 30), (70, 30)) == pytest.approx(0.5)


def test_the_better_record_gets_more_games_but_each_side_keeps_the_floor() -> None:
    assert 0.5 < bandit_share_b((60, 40), (66, 34)) < 1 - BANDIT_FLOOR
    assert bandit_share_b((80, 20), (900, 100)) == pytest.approx(1 - BANDIT_FLOOR)
    assert bandit_share_b((900, 100), (20, 80)) == pytest.approx(BANDIT_FLOOR)
    assert bandit_share_b((60, 40), (66, 34)) == pytest.approx(1 - bandit_share_b((66, 34), (60, 40)))


def test_the_share_is_the_split_of_a_reproducible_hash_draw() -> None:
    share = bandit_share_b((50, 50), (70, 30))
    ids = [f"game-{i}" for i in range(2000)]
    on_b = sum(select_alias(g, True, share) is B for g in ids)
    assert abs(on_b / len(ids) - share) < 0.04
    assert [select_alias(g, True, share) for g in ids] == [select_alias(g, True, share) for g in ids]


def test_a_floor_outside_zero_to_a_half_is_refused() -> None:
    with pytest.raises(ValueError, match="floor"):
        bandit_share_b((1, 1), (1, 1), floor=0.6)


def test_the_first_version_takes_every_alias() -> None:
    assert place_candidate({}, 1) == (dict.fromkeys(Alias, 1), None)


def test_a_new_version_waits_in_the_first_free_shadow_slot_and_never_takes_b() -> None:
    assert place_candidate({P: 1, B: 1, S1: 1, S2: 1}, 2) == ({S1: 2}, None)
    assert place_candidate({P: 1, B: 2, S1: None, S2: None}, 3) == ({S1: 3}, None)
    assert place_candidate({P: 1, B: 2, S1: 3, S2: 1}, 4) == ({S2: 4}, None)


def test_with_both_waiting_slots_taken_it_replaces_shadow2_and_says_which() -> None:
    assert place_candidate({P: 1, B: 2, S1: 3, S2: 4}, 5) == ({S2: 5}, 4)
