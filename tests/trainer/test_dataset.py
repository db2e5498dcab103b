"""The training-rows cache against a read of the whole window, cycle after cycle (real SQLite store)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from services.trainer import defaults
from services.trainer.dataset import TrainingData
from services.trainer.rowcache import CHECKPOINT, CLOCK_SKEW_MARGIN, CacheState, RowsCache, to_us
from services.trainer.segments import Rows, write_segment
from services.trainer.synthetic import SyntheticGame, append_games, game_events, generate_games
from shared.events import (
    Checkpoint,
    Event,
    EventStore,
    EventType,
    GameStarted,
    ReaderCheckpoints,
    RoundPlayed,
)
from shared.features import MOVES, GameRounds, build_dataset

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
WINDOW_DAYS = 2


@dataclass(slots=True)
class _Game:
    game_id: str
    started_at: datetime
    users: list[int] = field(default_factory=list)
    bots: list[int] = field(default_factory=list)
    points: list[list[int]] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)


def read_whole_window(store: EventStore, window_days: int, now: datetime) -> TrainingData:
    """The reference: every game event of the window read and featurized at once (the rules of
    rowcache.py's docstring)."""
    since = now - timedelta(days=window_days)
    head = store.head_position()
    start = store.position_at(since - CLOCK_SKEW_MARGIN)
    types = [EventType.GAME_STARTED, EventType.ROUND_PLAYED]
    games: dict[str, _Game] = {}
    excluded: set[str] = set()
    for event in store.iter_events(types, after_position=start, until_position=head):
        payload = event.payload
        if isinstance(payload, GameStarted):
            if payload.is_test or event.occurred_at < since:
                excluded.add(event.aggregate_id)
            else:
                games[event.aggregate_id] = _Game(event.aggregate_id, event.occurred_at)
        elif isinstance(payload, RoundPlayed) and event.aggregate_id in games:
            game = games[event.aggregate_id]
            if event.aggregate_id in excluded:
                continue
            if payload.round_no != len(game.users) + 1:
                excluded.add(event.aggregate_id)
                continue
            game.users.append(MOVES.index(payload.user_move))
            game.bots.append(MOVES.index(payload.bot_move))
            game.points.append([round(payload.points[m] * 10) for m in MOVES])
            game.positions.append(event.position or 0)
    ordered = [g for g in sorted(games.values(), key=lambda g: g.started_at) if g.users]
    dataset = build_dataset(
        [GameRounds(np.array(g.users), np.array(g.bots), np.array(g.points).reshape(-1, 3)) for g in ordered]
    )
    positions = [np.array(g.positions, dtype=np.int64) for g in ordered]
    row_positions = np.array(
        [positions[i][r - 1] for i, r in zip(dataset.game_index, dataset.round_no, strict=True)],
        dtype=np.int64,
    )
    return TrainingData(dataset, tuple(g.game_id for g in ordered), row_positions, since, now, head)


def assert_same(data: TrainingData, expected: TrainingData) -> None:
    np.testing.assert_array_equal(data.dataset.features, expected.dataset.features)
    assert data.dataset.features.dtype == expected.dataset.features.dtype
    for name in ("labels", "game_index", "round_no"):
        np.testing.assert_array_equal(getattr(data.dataset, name), getattr(expected.dataset, name))
        assert getattr(data.dataset, name).dtype == np.int64
    np.testing.assert_array_equal(data.row_positions, expected.row_positions)
    assert data.game_ids == expected.game_ids
    assert (data.window_start, data.window_end, data.head_position) == (
        expected.window_start,
        expected.window_end,
        expected.head_position,
    )


class CountingStore(EventStore):
    """The real store, counting the events its readers are handed."""

    read: int = 0

    def iter_events(
        self,
        types: Iterable[EventType] | None = None,
        after_position: int = 0,
        batch_size: int = 1000,
        until_position: int | None = None,
    ) -> Iterator[Event]:
        for event in super().iter_events(types, after_position, batch_size, until_position):
            self.read += 1
            yield event


class FailingCheckpoints(ReaderCheckpoints):
    """Saving fails, as a crash after the segment file was written and before the checkpoint."""

    def save(self, name: str, position: int, state: bytes, *, expected_position: int) -> Checkpoint:
        raise OSError("crash before the checkpoint")


def events_with_a_gap(game: SyntheticGame) -> list[Event]:
    """The game's events with its round 5 missing (seq stays contiguous: the log saw a round 6 next)."""
    events = game_events(game)
    kept = [e for e in events if not (isinstance(e.payload, RoundPlayed) and e.payload.round_no == 5)]
    return [replace(e, seq=i + 1) for i, e in enumerate(kept)]


def events_out_of_order(game: SyntheticGame) -> list[Event]:
    """The game's events with its round 5 recorded before its round 4."""
    events = game_events(game)
    events[4], events[5] = events[5], events[4]  # [GameStarted, round 1, 2, 3, 4, 5, ...]
    return [replace(e, seq=i + 1) for i, e in enumerate(events)]


def append(store: EventStore, events: Iterable[Event]) -> None:
    store.append(list(events))


@pytest.fixture
def store(sqlite_url: str) -> Iterator[CountingStore]:
    store = CountingStore.from_url(sqlite_url)
    assert isinstance(store, CountingStore)
    yield store
    store.close()


@pytest.mark.parametrize(
    ("segment_rows", "build_step"),
    [(defaults.SEGMENT_ROWS, defaults.BUILD_STEP_EVENTS), (1, 40)],
    ids=["merged-segments", "a-segment-a-cycle-and-builds-in-steps"],
)
def test_the_cache_over_several_cycles_equals_a_read_of_the_whole_window(
    store: CountingStore, tmp_path: Path, segment_rows: int, build_step: int
) -> None:
    cache = RowsCache(store, tmp_path / "cache", segment_rows, build_step)
    old = list(generate_games(4, seed=1, start=NOW - timedelta(days=3)))
    first = list(
        generate_games(8, seed=2, start=NOW - timedelta(days=1, hours=12), spacing=timedelta(hours=1))
    )
    spanning = list(generate_games(3, seed=3, start=NOW - timedelta(hours=20)))
    test_games = list(generate_games(2, seed=4, start=NOW - timedelta(hours=19)))
    gap, disordered = generate_games(2, seed=5, start=NOW - timedelta(hours=18))
    (abandoned,) = generate_games(1, seed=9, start=NOW - timedelta(hours=30))
    later: list[SyntheticGame] = []
    append_games(store, old)
    append_games(store, first)
    append_games(store, test_games, is_test=True)
    append(store, events_with_a_gap(gap) + events_out_of_order(disordered))
    append(store, game_events(abandoned)[:6])  # never finished: open until it leaves the window
    # Games played across cycles: their first rounds now, the rest in the next cycles.
    halves = [game_events(g) for g in spanning]
    append(store, [e for events in halves for e in events[:3]])  # GameStarted + rounds 1-2: no rows yet
    nows = [NOW, NOW + timedelta(hours=10), NOW + timedelta(hours=20), NOW + timedelta(days=2)]
    for cycle, now in enumerate(nows):
        data = cache.training_data(WINDOW_DAYS, now)
        assert_same(data, read_whole_window(store, WINDOW_DAYS, now))
        since = now - timedelta(days=WINDOW_DAYS)
        state = CacheState.from_bytes(store.checkpoints.load(CHECKPOINT).state)
        assert state is not None and all(s.newest_start_us >= to_us(since) for s in state.segments)
        assert (abandoned.game_id in state.open_games) == (abandoned.started_at >= since)
        assert {p.name for p in cache.directory.iterdir()} == {s.name for s in state.segments}
        if cycle == 0:
            # The gap game keeps its rounds 1-4 (a row), the disordered one its rounds 1-3 (no row);
            # the abandoned one has its rounds 1-5.
            assert data.games == 8 + 1 + 1 and disordered.game_id in data.game_ids
            append(store, [e for events in halves for e in events[3:8]])
        elif cycle == 1:
            append(store, [e for events in halves for e in events[8:]])
            later = list(generate_games(5, seed=6, start=NOW + timedelta(hours=15)))
            append_games(store, later)
        elif cycle == 2:
            assert set(data.game_ids) >= {g.game_id for g in spanning + later}
            assert not {g.game_id for g in old + test_games} & set(data.game_ids)
    assert data.game_ids == tuple(g.game_id for g in later)  # NOW + 2 days: only these are in the window

    rebuilt = RowsCache(store, tmp_path / "fresh", segment_rows, build_step)
    store.checkpoints.reset(CHECKPOINT)
    assert_same(rebuilt.training_data(WINDOW_DAYS, nows[-1]), data)


def test_a_cycle_reads_and_featurizes_only_the_new_events(store: CountingStore, tmp_path: Path) -> None:
    cache = RowsCache(store, tmp_path / "cache")
    append_games(store, list(generate_games(20, seed=1, start=NOW - timedelta(hours=5))))
    first = cache.update(NOW - timedelta(days=WINDOW_DAYS))
    assert first.rebuilt and first.events == store.head_position() == store.read

    before, store.read = store.head_position(), 0
    new = list(generate_games(3, seed=2, start=NOW - timedelta(hours=1)))
    append_games(store, new)
    cycle = cache.update(NOW - timedelta(days=WINDOW_DAYS))
    assert not cycle.rebuilt
    assert cycle.events == store.read == store.head_position() - before
    assert cycle.rows == sum(len(g) - 3 for g in new)
    assert cache.update(NOW - timedelta(days=WINDOW_DAYS)).events == 0


def test_a_crash_before_the_checkpoint_leaves_files_that_are_ignored_and_removed(
    store: CountingStore, tmp_path: Path
) -> None:
    cache = RowsCache(store, tmp_path / "cache")
    append_games(store, list(generate_games(6, seed=1, start=NOW - timedelta(hours=5))))
    cache.training_data(WINDOW_DAYS, NOW)
    append_games(store, list(generate_games(4, seed=2, start=NOW - timedelta(hours=2))))
    saving = store.checkpoints
    store.checkpoints = FailingCheckpoints(store.engine)
    with pytest.raises(OSError, match="crash"):
        cache.training_data(WINDOW_DAYS, NOW)
    store.checkpoints = saving
    write_segment(cache.directory, 10**6, 10**6 + 5, Rows.empty())  # a stray file beyond the checkpoint
    files = len(list(cache.directory.iterdir()))

    data = cache.training_data(WINDOW_DAYS, NOW)
    assert_same(data, read_whole_window(store, WINDOW_DAYS, NOW))
    state = CacheState.from_bytes(store.checkpoints.load(CHECKPOINT).state)
    assert state is not None
    assert {p.name for p in cache.directory.iterdir()} == {s.name for s in state.segments}
    assert len(state.segments) < files


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_a_missing_or_corrupt_segment_rebuilds_the_cache_from_the_window(
    store: CountingStore, tmp_path: Path, damage: str
) -> None:
    cache = RowsCache(store, tmp_path / "cache")
    append_games(store, list(generate_games(6, seed=1, start=NOW - timedelta(hours=5))))
    cache.training_data(WINDOW_DAYS, NOW)
    append_games(store, list(generate_games(4, seed=2, start=NOW - timedelta(hours=2))))
    (segment,) = list(cache.directory.iterdir())
    if damage == "missing":
        segment.unlink()
    else:
        segment.write_bytes(segment.read_bytes()[:100])

    assert_same(cache.training_data(WINDOW_DAYS, NOW), read_whole_window(store, WINDOW_DAYS, NOW))
    assert not segment.exists()


def test_a_longer_window_than_the_cache_covers_rebuilds_it(store: CountingStore, tmp_path: Path) -> None:
    cache = RowsCache(store, tmp_path / "cache")
    append_games(store, list(generate_games(5, seed=1, start=NOW - timedelta(days=5))))
    append_games(store, list(generate_games(5, seed=2, start=NOW - timedelta(hours=5))))
    assert cache.training_data(1, NOW).games == 5
    longer = cache.training_data(7, NOW)
    assert longer.games == 10
    assert_same(longer, read_whole_window(store, 7, NOW))


def test_new_rows_counts_rounds_recorded_after_a_position(store: CountingStore, tmp_path: Path) -> None:
    first = list(generate_games(6, seed=1, start=NOW - timedelta(hours=3)))
    append_games(store, first)
    seen = store.head_position()
    later = list(generate_games(3, seed=2, start=NOW - timedelta(hours=1)))
    append_games(store, later)

    data = RowsCache(store, tmp_path / "cache").training_data(30, NOW)
    assert data.new_rows(0) == data.rows
    assert data.new_rows(seen) == sum(len(g) - 3 for g in later)
    assert data.new_rows(store.head_position()) == 0


def test_a_window_of_more_rows_than_the_cap_keeps_the_newest_games(
    store: CountingStore, tmp_path: Path
) -> None:
    games = list(generate_games(12, seed=4, start=NOW - timedelta(hours=6)))
    append_games(store, games)
    whole = RowsCache(store, tmp_path / "cache").training_data(WINDOW_DAYS, NOW)
    rows_per_game = np.bincount(whole.dataset.game_index)
    cap = int(rows_per_game[-5:].sum()) + 1  # the newest five games fit, a sixth does not
    capped = RowsCache(store, tmp_path / "cache").training_data(WINDOW_DAYS, NOW, max_rows=cap)
    assert capped.game_ids == whole.game_ids[-5:]
    assert capped.rows == cap - 1
    newest = whole.dataset.game_index >= len(whole.game_ids) - 5
    np.testing.assert_array_equal(capped.dataset.features, whole.dataset.features[newest])
    np.testing.assert_array_equal(capped.row_positions, whole.row_positions[newest])
    assert capped.new_rows(0) == capped.rows
    assert RowsCache(store, tmp_path / "cache").training_data(WINDOW_DAYS, NOW, max_rows=0).rows == 0
