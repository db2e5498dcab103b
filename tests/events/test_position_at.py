"""Readers find a time window's position range by a binary search on the log's primary key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.trainer.synthetic import append_games, generate_games
from shared.events import EventStore

START = datetime(2026, 11, 1, tzinfo=UTC)


def test_position_at_is_the_last_event_before_the_moment(sqlite_url: str) -> None:
    store = EventStore.from_url(sqlite_url)
    assert store.position_at(START) == 0  # an empty log
    append_games(store, list(generate_games(30, seed=1, start=START, spacing=timedelta(hours=1))))
    stored = list(store.iter_events())
    for moment in (
        START - timedelta(days=1),
        START + timedelta(hours=7, minutes=30),
        START + timedelta(days=9),
    ):
        before = [e.position for e in stored if e.occurred_at < moment]
        assert store.position_at(moment) == (before[-1] if before else 0)
    store.close()
