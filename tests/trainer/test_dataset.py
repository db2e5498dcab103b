from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from services.trainer.dataset import load_training_data
from services.trainer.synthetic import append_games, generate_games
from shared.events import EventStore
from shared.features import build_dataset

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def test_training_data_equals_the_core_features_of_the_non_test_games_in_the_window(sqlite_url: str) -> None:
    store = EventStore.from_url(sqlite_url)
    recent = list(generate_games(12, seed=1, start=NOW - timedelta(days=2)))
    old = list(generate_games(5, seed=2, start=NOW - timedelta(days=40)))
    test_games = list(generate_games(4, seed=3, start=NOW - timedelta(days=1)))
    append_games(store, old)
    append_games(store, recent)
    append_games(store, test_games, is_test=True)

    data = load_training_data(store, window_days=30, now=NOW)

    expected = build_dataset([g.rounds() for g in recent])
    np.testing.assert_array_equal(data.dataset.features, expected.features)
    np.testing.assert_array_equal(data.dataset.labels, expected.labels)
    assert data.game_ids == tuple(g.game_id for g in recent)
    assert data.games == 12 and data.rows == len(expected.labels)
    assert (data.dataset.round_no >= 4).all()
    assert data.head_position == store.head_position()
    store.close()


def test_new_rows_counts_rounds_recorded_after_a_position(sqlite_url: str) -> None:
    store = EventStore.from_url(sqlite_url)
    first = list(generate_games(6, seed=1, start=NOW - timedelta(hours=3)))
    append_games(store, first)
    seen = store.head_position()
    later = list(generate_games(3, seed=2, start=NOW - timedelta(hours=1)))
    append_games(store, later)

    data = load_training_data(store, window_days=30, now=NOW)
    assert data.new_rows(0) == data.rows
    assert data.new_rows(seen) == sum(len(g) - 3 for g in later)
    assert data.new_rows(store.head_position()) == 0
    store.close()
