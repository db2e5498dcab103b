"""Training data from the event store: RoundPlayed rounds of non-test games, features via shared.features."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from shared.events import Event, EventStore, EventType, GameStarted, RoundPlayed
from shared.features import MOVES, Dataset, GameRounds, RoundPoints, build_dataset

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
# Writers' clocks may disagree a little: the window is read from this long before its start.
CLOCK_SKEW_MARGIN = timedelta(hours=1)


@dataclass(slots=True)
class GameRecord:
    """One game's rounds as recorded, in round order, with the log position of each RoundPlayed."""

    game_id: str
    started_at: datetime
    user_moves: list[int] = field(default_factory=list)
    bot_moves: list[int] = field(default_factory=list)
    points_tenths: list[tuple[int, int, int]] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)

    def rounds(self) -> GameRounds:
        return GameRounds(
            user_moves=np.array(self.user_moves, dtype=np.int64),
            bot_moves=np.array(self.bot_moves, dtype=np.int64),
            points_tenths=np.array(self.points_tenths, dtype=np.int64).reshape(-1, 3),
        )


@dataclass(frozen=True, slots=True)
class TrainingData:
    """Feature rows (rounds >= 4) of chronologically ordered games, and where they came from."""

    dataset: Dataset
    game_ids: tuple[str, ...]  # dataset.game_index -> game id, oldest game first
    row_positions: IntArray  # log position of each row's RoundPlayed event
    window_start: datetime
    window_end: datetime
    head_position: int  # the log's last position when the data was read

    @property
    def rows(self) -> int:
        return int(self.dataset.labels.shape[0])

    @property
    def games(self) -> int:
        return len(np.unique(self.dataset.game_index))

    def new_rows(self, after_position: int) -> int:
        """Rows whose round was recorded after `after_position`."""
        return int((self.row_positions > after_position).sum())


def _points_tenths(points: RoundPoints) -> tuple[int, int, int]:
    rock, paper, scissors = (round(points[m] * 10) for m in MOVES)
    return rock, paper, scissors


def collect_games(events: Iterable[Event], since: datetime) -> list[GameRecord]:
    """Games started at or after `since`, not flagged is_test, with their rounds 1..n (stopping at
    the first gap, so every feature row has its true history); oldest game first."""
    games: dict[str, GameRecord] = {}
    excluded: set[str] = set()
    for event in events:
        game_id = event.aggregate_id
        payload = event.payload
        if isinstance(payload, GameStarted):
            if payload.is_test or event.occurred_at < since:
                excluded.add(game_id)
            else:
                games[game_id] = GameRecord(game_id, event.occurred_at)
        elif isinstance(payload, RoundPlayed) and game_id in games and game_id not in excluded:
            game = games[game_id]
            if payload.round_no != len(game.user_moves) + 1:
                excluded.add(game_id)  # a gap or a duplicate: keep the rounds before it
                continue
            game.user_moves.append(MOVES.index(payload.user_move))
            game.bot_moves.append(MOVES.index(payload.bot_move))
            game.points_tenths.append(_points_tenths(payload.points))
            game.positions.append(event.position or 0)
    ordered = sorted(games.values(), key=lambda g: g.started_at)
    return [g for g in ordered if g.user_moves]


def training_data_from_games(
    games: list[GameRecord], window_start: datetime, window_end: datetime, head_position: int
) -> TrainingData:
    dataset = build_dataset([g.rounds() for g in games])
    all_positions = np.array([p for g in games for p in g.positions], dtype=np.int64)
    lengths = [len(g.positions) for g in games]
    starts = np.cumsum([0, *lengths[:-1]]).astype(np.int64) if games else np.zeros(0, dtype=np.int64)
    row_positions = (
        all_positions[starts[dataset.game_index] + dataset.round_no - 1]
        if len(dataset.labels)
        else np.zeros(0, dtype=np.int64)
    )
    return TrainingData(
        dataset=dataset,
        game_ids=tuple(g.game_id for g in games),
        row_positions=row_positions,
        window_start=window_start,
        window_end=window_end,
        head_position=head_position,
    )


def load_training_data(store: EventStore, window_days: int, now: datetime) -> TrainingData:
    """The training rows of the last `window_days` days, read from the log's position range of the
    window (found by a binary search on the primary key): never a scan of the older history."""
    head = store.head_position()
    since = now - timedelta(days=window_days)
    start = store.position_at(since - CLOCK_SKEW_MARGIN)
    events = store.iter_events(
        types=[EventType.GAME_STARTED, EventType.ROUND_PLAYED], after_position=start, until_position=head
    )
    return training_data_from_games(collect_games(events, since), since, now, head)
