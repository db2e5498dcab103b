"""The 50-feature contract (DESIGN §3): one stateless row, or a whole dataset at once.

Both entry points compute the same float64 values bit for bit: values are exact
tenths kept as integers until the last division, and shares are count / rounds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from shared.features.moves import MOVES, RESULT_BY_DIFFERENCE, Move, result_index
from shared.features.points import RoundPoints
from shared.features.scoring import TARGET_TENTHS, to_tenths

LAGS = 3
FIRST_MODEL_ROUND = 4  # rounds 1-3 are openings; training rows start here

_MOVE_NAMES = [m.value for m in MOVES]
FEATURE_NAMES: tuple[str, ...] = (
    *(f"user_-{k}_{m}" for k in range(1, LAGS + 1) for m in _MOVE_NAMES),
    *(f"bot_-{k}_{m}" for k in range(1, LAGS + 1) for m in _MOVE_NAMES),
    *(f"res_-{k}_{r}" for k in range(1, LAGS + 1) for r in ("win", "lose", "draw")),
    *(f"{m}_pts" for m in _MOVE_NAMES),
    *(f"points_-{k}_{m}" for k in range(1, LAGS + 1) for m in _MOVE_NAMES),
    *(f"user_tend_{m}" for m in _MOVE_NAMES),
    "tend_favored",
    "tend_fav_beater",
    "tend_fav_beater_beater",
    "score_diff",
    "user_pts_to_win",
    "bot_pts_to_win",
    "step_no",
    "easy_mode",
)
FEATURE_COUNT = len(FEATURE_NAMES)
assert FEATURE_COUNT == 50

# Column offsets of each block.
USER_LAGS, BOT_LAGS, RESULT_LAGS = 0, 9, 18
CURRENT_POINTS, POINTS_LAGS, USER_TENDENCY, FAVORED_TENDENCY = 27, 30, 39, 42
SCORE_DIFF, USER_TO_WIN, BOT_TO_WIN, STEP_NO, EASY_MODE = 45, 46, 47, 48, 49

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def feature_contract_hash() -> str:
    """Identifies the contract (count and ordered names); models carry it."""
    text = f"{FEATURE_COUNT}:" + ",".join(FEATURE_NAMES)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


FEATURE_CONTRACT_HASH = feature_contract_hash()


def _points_tenths(points: RoundPoints) -> tuple[int, int, int]:
    return to_tenths(points[Move.ROCK]), to_tenths(points[Move.PAPER]), to_tenths(points[Move.SCISSORS])


def _favored(values: Sequence[int]) -> int:
    """Index of the highest-valued move; ties break rock > paper > scissors."""
    best = 0
    for i in (1, 2):
        if values[i] > values[best]:
            best = i
    return best


def extract_features_stateless(
    user_moves: Sequence[Move],
    bot_moves: Sequence[Move],
    history_points: Sequence[RoundPoints],
    current_points: RoundPoints,
) -> FloatArray:
    """Features of the next round from the game's earlier rounds, oldest first."""
    n = len(user_moves)
    if len(bot_moves) != n or len(history_points) != n:
        raise ValueError("user_moves, bot_moves and history_points must have the same length")
    users = [m.ordinal for m in user_moves]
    bots = [m.ordinal for m in bot_moves]
    past = [_points_tenths(p) for p in history_points]
    now = _points_tenths(current_points)
    row = np.zeros(FEATURE_COUNT, dtype=np.float64)

    for k in range(1, LAGS + 1):
        lagged = now
        if n >= k:
            u, b = users[n - k], bots[n - k]
            row[USER_LAGS + 3 * (k - 1) + u] = 1.0
            row[BOT_LAGS + 3 * (k - 1) + b] = 1.0
            row[RESULT_LAGS + 3 * (k - 1) + result_index(u, b)] = 1.0
            lagged = past[n - k]
        for j in range(3):
            row[POINTS_LAGS + 3 * (k - 1) + j] = lagged[j] / 10
    for j in range(3):
        row[CURRENT_POINTS + j] = now[j] / 10

    user_tenths = bot_tenths = 0
    if n:
        move_counts = [0, 0, 0]
        favored_counts = [0, 0, 0]
        for u, b, values in zip(users, bots, past, strict=True):
            move_counts[u] += 1
            favored_counts[(u - _favored(values)) % 3] += 1
            outcome = result_index(u, b)
            if outcome == 0:
                user_tenths += values[u]
            elif outcome == 1:
                bot_tenths += values[b]
        for j in range(3):
            row[USER_TENDENCY + j] = move_counts[j] / n
            row[FAVORED_TENDENCY + j] = favored_counts[j] / n
    row[SCORE_DIFF] = (user_tenths - bot_tenths) / 10
    row[USER_TO_WIN] = (TARGET_TENTHS - user_tenths) / 10
    row[BOT_TO_WIN] = (TARGET_TENTHS - bot_tenths) / 10
    row[STEP_NO] = float(n + 1)
    return row


@dataclass(frozen=True, slots=True)
class GameRounds:
    """One game's played rounds as arrays: move indices and values in tenths."""

    user_moves: IntArray  # [n], index into MOVES
    bot_moves: IntArray  # [n]
    points_tenths: IntArray  # [n, 3], (rock, paper, scissors)

    @classmethod
    def from_rounds(
        cls, user_moves: Sequence[Move], bot_moves: Sequence[Move], points: Sequence[RoundPoints]
    ) -> GameRounds:
        return cls(
            user_moves=np.array([m.ordinal for m in user_moves], dtype=np.int64),
            bot_moves=np.array([m.ordinal for m in bot_moves], dtype=np.int64),
            points_tenths=np.array([_points_tenths(p) for p in points], dtype=np.int64).reshape(-1, 3),
        )

    def __len__(self) -> int:
        return int(self.user_moves.shape[0])


@dataclass(frozen=True, slots=True)
class Dataset:
    """Feature rows with their labels (the player's move) and where they came from."""

    features: FloatArray  # [N, 50]
    labels: IntArray  # [N], index into MOVES
    game_index: IntArray  # [N], position of the game in the input
    round_no: IntArray  # [N]


def build_dataset(games: Sequence[GameRounds], min_round: int = FIRST_MODEL_ROUND) -> Dataset:
    """Features of every round of many games at once, keeping rounds >= min_round."""
    lengths = np.array([len(g) for g in games], dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return Dataset(
            features=np.zeros((0, FEATURE_COUNT)),
            labels=np.zeros(0, dtype=np.int64),
            game_index=np.zeros(0, dtype=np.int64),
            round_no=np.zeros(0, dtype=np.int64),
        )
    users = np.concatenate([g.user_moves for g in games]).astype(np.int64)
    bots = np.concatenate([g.bot_moves for g in games]).astype(np.int64)
    points = np.concatenate([g.points_tenths for g in games]).astype(np.int64)
    game_index = np.repeat(np.arange(len(games)), lengths)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    rows = np.arange(total)
    position = rows - starts  # rounds played before this one in its game

    eye = np.eye(3)
    results = np.array(RESULT_BY_DIFFERENCE, dtype=np.int64)[(users - bots) % 3]
    x = np.zeros((total, FEATURE_COUNT), dtype=np.float64)

    for k in range(1, LAGS + 1):
        has = position >= k
        src = np.where(has, rows - k, rows)
        block = 3 * (k - 1)
        x[:, USER_LAGS + block : USER_LAGS + block + 3] = eye[users[src]] * has[:, None]
        x[:, BOT_LAGS + block : BOT_LAGS + block + 3] = eye[bots[src]] * has[:, None]
        x[:, RESULT_LAGS + block : RESULT_LAGS + block + 3] = eye[results[src]] * has[:, None]
        x[:, POINTS_LAGS + block : POINTS_LAGS + block + 3] = points[src] / 10
    x[:, CURRENT_POINTS : CURRENT_POINTS + 3] = points / 10

    def before(values: IntArray) -> IntArray:
        """Per-game sums over the rounds before each row."""
        exclusive = np.cumsum(values, axis=0) - values
        return exclusive - exclusive[starts]

    seen = np.maximum(position, 1)[:, None]
    move_counts = before(eye[users].astype(np.int64))
    favored = np.argmax(points, axis=1)  # first maximum: rock > paper > scissors
    favored_counts = before(eye[(users - favored) % 3].astype(np.int64))
    x[:, USER_TENDENCY : USER_TENDENCY + 3] = move_counts / seen
    x[:, FAVORED_TENDENCY : FAVORED_TENDENCY + 3] = favored_counts / seen

    user_gain = np.where(results == 0, points[rows, users], 0)
    bot_gain = np.where(results == 1, points[rows, bots], 0)
    user_tenths = before(user_gain)
    bot_tenths = before(bot_gain)
    x[:, SCORE_DIFF] = (user_tenths - bot_tenths) / 10
    x[:, USER_TO_WIN] = (TARGET_TENTHS - user_tenths) / 10
    x[:, BOT_TO_WIN] = (TARGET_TENTHS - bot_tenths) / 10
    x[:, STEP_NO] = position + 1

    keep = position + 1 >= min_round
    return Dataset(
        features=x[keep],
        labels=users[keep],
        game_index=game_index[keep],
        round_no=(position + 1)[keep],
    )
