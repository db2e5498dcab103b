"""The 50-feature contract: no leakage, and both entry points agree."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.features import (
    FEATURE_CONTRACT_HASH,
    FEATURE_COUNT,
    FIRST_MODEL_ROUND,
    Move,
    RoundPoints,
    build_dataset,
    deterministic_round_points,
    extract_features_stateless,
)
from shared.features.features import GameRounds
from tests.core.strategies import moves, played_games

Game = tuple[str, list[Move], list[Move], list[RoundPoints]]


@given(played_games(), st.data())
def test_features_of_round_n_never_depend_on_round_n_or_later(game: Game, data: st.DataObject) -> None:
    game_id, users, bots, points = game
    if not users:
        return
    n = data.draw(st.integers(min_value=0, max_value=len(users) - 1))  # rounds before the one featurised
    assert points[n] == deterministic_round_points(game_id, n + 1)
    before = extract_features_stateless(users[:n], bots[:n], points[:n], points[n])
    # Changing round n+1's moves and everything after must not change its features.
    altered_users = users[:n] + [data.draw(moves) for _ in users[n:]]
    altered_bots = bots[:n] + [data.draw(moves) for _ in bots[n:]]
    dataset = build_dataset([GameRounds.from_rounds(altered_users, altered_bots, points)], min_round=1)
    np.testing.assert_array_equal(dataset.features[n], before)


@settings(max_examples=50)
@given(st.lists(played_games(), min_size=1, max_size=6))
def test_stateless_extraction_equals_the_dataset_builder(games: list[Game]) -> None:
    dataset = build_dataset([GameRounds.from_rounds(u, b, p) for _, u, b, p in games], min_round=1)
    expected = [
        extract_features_stateless(u[:i], b[:i], p[:i], p[i]) for _, u, b, p in games for i in range(len(u))
    ]
    assert dataset.features.shape == (len(expected), FEATURE_COUNT)
    if expected:
        np.testing.assert_array_equal(dataset.features, np.stack(expected))  # bit for bit
    assert list(dataset.labels) == [m.ordinal for _, u, _, _ in games for m in u]


@given(st.lists(played_games(), min_size=1, max_size=4))
def test_training_rows_start_at_round_four(games: list[Game]) -> None:
    dataset = build_dataset([GameRounds.from_rounds(u, b, p) for _, u, b, p in games])
    assert (dataset.round_no >= FIRST_MODEL_ROUND).all()
    assert len(dataset.labels) == sum(max(0, len(u) - 3) for _, u, _, _ in games)
    np.testing.assert_array_equal(dataset.features[:, 48], dataset.round_no)


def test_empty_input_gives_an_empty_dataset() -> None:
    assert build_dataset([]).features.shape == (0, FEATURE_COUNT)


def test_contract_hash_changes_only_with_the_contract() -> None:
    # Models trained on this contract carry this hash; inference refuses any other.
    assert FEATURE_CONTRACT_HASH == "c78e5e066dc29200"
