"""Splits by game: no game's rounds on both sides of any split. Pure; masks over dataset rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class HoldoutSplit:
    train: BoolArray
    val: BoolArray
    holdout: BoolArray


def chronological_split(
    game_index: IntArray, fractions: tuple[float, float, float] = (0.6, 0.2, 0.2)
) -> HoldoutSplit:
    """Oldest games to train, then val, newest to holdout, cut at the row shares `fractions`.

    `game_index` numbers games in chronological order (as TrainingData does). A game goes to
    the part in which its first row falls, so a game is never cut in two.
    """
    if not np.isclose(sum(fractions), 1.0) or min(fractions) <= 0:
        raise ValueError(f"fractions must be positive and sum to 1, got {fractions}")
    games, first_rows, counts = np.unique(game_index, return_index=True, return_counts=True)
    order = np.argsort(first_rows, kind="stable")
    games, counts = games[order], counts[order]
    if games.size < 3:
        raise ValueError(f"a 3-way split needs at least 3 games, got {games.size}")
    if np.any(np.diff(games) < 0):
        raise ValueError("game_index must number games in chronological order")
    rows_before = np.cumsum(counts) - counts
    total = counts.sum()
    cut1, cut2 = fractions[0] * total, (fractions[0] + fractions[1]) * total
    # Cut between games (the number of games before each cut), then move the cuts so each part
    # keeps at least one game on tiny data; moving cuts, not single games, keeps the time order.
    n = games.size
    first_val = min(max(int(np.count_nonzero(rows_before < cut1)), 1), n - 2)
    first_holdout = min(max(int(np.count_nonzero(rows_before < cut2)), first_val + 1), n - 1)
    part = np.searchsorted([first_val, first_holdout], np.arange(n), side="right")
    row_part = part[np.searchsorted(games, game_index)]
    return HoldoutSplit(train=row_part == 0, val=row_part == 1, holdout=row_part == 2)


def group_split(game_index: IntArray, val_fraction: float, seed: int) -> tuple[BoolArray, BoolArray]:
    """A random share of games (at least one, never all) to validation; (train, val) row masks."""
    games = np.unique(game_index)
    if games.size < 2:
        raise ValueError(f"a split needs at least 2 games, got {games.size}")
    rng = np.random.default_rng(seed)
    n_val = min(games.size - 1, max(1, round(val_fraction * games.size)))
    val_games = rng.choice(games, size=n_val, replace=False)
    val = np.isin(game_index, val_games)
    return ~val, val


def group_kfold(game_index: IntArray, folds: int, seed: int) -> list[tuple[BoolArray, BoolArray]]:
    """`folds` (train, test) row masks; each game is in exactly one test fold."""
    games = np.unique(game_index)
    if games.size < folds:
        raise ValueError(f"{folds}-fold needs at least {folds} games, got {games.size}")
    shuffled = np.random.default_rng(seed).permutation(games)
    result = []
    for fold_games in np.array_split(shuffled, folds):
        test = np.isin(game_index, fold_games)
        result.append((~test, test))
    return result
