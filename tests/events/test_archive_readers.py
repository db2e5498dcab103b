"""Readers after an archive run: the log has gaps, positions are never reused, checkpoints hold."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
import sqlalchemy as sa

from services.trainer.synthetic import append_games, generate_games
from shared.events import EventStore
from shared.events.archive import archive_games
from shared.events.schema import events, outbox
from shared.serving_cache.local import LocalDirectoryCache

NOW = datetime(2026, 11, 27, tzinfo=UTC)
CUTOFF = NOW - timedelta(days=30)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> Iterator[EventStore]:
    opened = EventStore.from_url(str(request.getfixturevalue(f"{request.param}_url")))
    yield opened
    opened.close()


def test_position_at_finds_the_last_event_before_a_moment_across_the_gaps(
    store: EventStore, tmp_path: Path
) -> None:
    old = list(generate_games(18, seed=1, start=NOW - timedelta(days=40), spacing=timedelta(hours=1)))
    append_games(store, old + list(generate_games(3, seed=2, start=NOW - timedelta(days=2))))
    kept = {g.game_id for g in old[::3]}  # still waiting for the relay: they stay between the gaps
    with store.engine.begin() as conn:
        conn.execute(
            outbox.delete().where(
                outbox.c.position.not_in(sa.select(events.c.position).where(events.c.aggregate_id.in_(kept)))
            )
        )
    everything = list(store.iter_events())

    assert archive_games(store, LocalDirectoryCache(tmp_path / "cache"), cutoff=CUTOFF).games == 12

    remaining = list(store.iter_events())
    positions = [e.position or 0 for e in remaining]
    assert len({b - a for a, b in pairwise(positions)}) > 1  # gaps, not one run
    for moment in sorted(
        {NOW - timedelta(days=50), NOW}
        | {
            e.occurred_at + delta
            for e in everything[::4]
            for delta in (timedelta(0), timedelta(microseconds=1))
        }
    ):
        before = [e.position for e in remaining if e.occurred_at < moment]
        assert store.position_at(moment) == (before[-1] if before else 0), moment


def test_a_reader_at_the_head_reads_what_comes_after_an_archive_of_the_whole_log(
    store: EventStore, tmp_path: Path
) -> None:
    old = list(generate_games(4, seed=3, start=NOW - timedelta(days=40)))
    append_games(store, old)
    with store.engine.begin() as conn:
        conn.execute(outbox.delete())
    head = store.head_position()
    store.checkpoints.save("test.reader", head, b"folded", expected_position=0)

    report = archive_games(store, LocalDirectoryCache(tmp_path / "cache"), cutoff=CUTOFF)

    assert report.games == 3  # the game holding the last position stays: SQLite would reuse it
    assert store.head_position() == head
    (new,) = generate_games(1, seed=4, start=datetime.now(UTC))
    append_games(store, [new])
    checkpoint = store.checkpoints.load("test.reader")
    until = store.checkpoints.stable_head(checkpoint.position)
    read = list(store.iter_events(after_position=checkpoint.position, until_position=until))
    assert read == store.read_aggregate(new.game_id)
    assert min(e.position or 0 for e in read) == head + 1
