from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.trainer.splits import chronological_split, group_kfold, group_split


def _game_index(lengths: list[int]) -> np.ndarray:
    return np.repeat(np.arange(len(lengths)), lengths).astype(np.int64)


def _games(index: np.ndarray, mask: np.ndarray) -> set[int]:
    return set(index[mask].tolist())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 30), min_size=3, max_size=80))
def test_chronological_split_keeps_games_whole_and_in_time_order(lengths: list[int]) -> None:
    index = _game_index(lengths)
    split = chronological_split(index)
    parts = [split.train, split.val, split.holdout]
    assert sum(p.astype(int) for p in parts).tolist() == [1] * len(index)  # each row in exactly one
    games = [_games(index, p) for p in parts]
    assert all(games), "every part has a game"
    assert not (games[0] & games[1] or games[0] & games[2] or games[1] & games[2])
    assert max(games[0]) < min(games[1]) and max(games[1]) < min(games[2])  # oldest first


def test_chronological_split_keeps_time_order_when_one_long_game_fills_the_train_share() -> None:
    # Rows shares alone put games 1-3 in holdout; val must take game 1, not a newer one.
    index = _game_index([12, 1, 1, 1])
    split = chronological_split(index)
    assert [_games(index, p) for p in (split.train, split.val, split.holdout)] == [{0}, {1}, {2, 3}]


def test_chronological_split_follows_the_row_shares() -> None:
    index = _game_index([10] * 100)
    split = chronological_split(index)
    assert (split.train.sum(), split.val.sum(), split.holdout.sum()) == (600, 200, 200)


def test_chronological_split_refuses_fewer_than_three_games() -> None:
    with pytest.raises(ValueError, match="at least 3 games"):
        chronological_split(_game_index([5, 5]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 20), min_size=2, max_size=60), st.integers(0, 10_000))
def test_group_split_never_puts_a_game_on_both_sides(lengths: list[int], seed: int) -> None:
    index = _game_index(lengths)
    train, val = group_split(index, 0.2, seed)
    assert (train ^ val).all()
    assert _games(index, train) and _games(index, val)
    assert not _games(index, train) & _games(index, val)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 20), min_size=3, max_size=60), st.integers(0, 10_000))
def test_group_kfold_tests_every_game_exactly_once(lengths: list[int], seed: int) -> None:
    index = _game_index(lengths)
    folds = group_kfold(index, 3, seed)
    assert len(folds) == 3
    tested = np.zeros(len(index), dtype=int)
    for train, test in folds:
        assert not _games(index, train) & _games(index, test)
        assert _games(index, test)
        tested += test
    assert (tested == 1).all()


def test_group_split_is_reproducible_from_its_seed() -> None:
    index = _game_index([3] * 50)
    assert (group_split(index, 0.2, 1)[1] == group_split(index, 0.2, 1)[1]).all()
    assert not (group_split(index, 0.2, 1)[1] == group_split(index, 0.2, 2)[1]).all()
