"""Drift statistics on small samples, one definition for the trainer's holdout and the live windows. Pure.

Calibration of predicted move probabilities against the moves played (Brier score, expected
calibration error), and how predictable players are (entropy of their moves, and of a move given
their previous one), over fixed-size windows of recent rounds that are folded one round at a time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from math import log2

import numpy as np
import numpy.typing as npt

N_MOVES = 3
ECE_BINS = 5  # few bins: with a window of a few hundred rounds, 10 bins leave most of them nearly empty
WINDOW_ROUNDS = 500  # rounds per sliding window


def brier_score(proba: npt.ArrayLike, labels: npt.ArrayLike) -> float:
    """Mean over rows of sum_k (p_k - 1[label = k])²: 0 is perfect, 2/3 is uniform guessing, 2 the worst."""
    p = np.asarray(proba, dtype=np.float64).reshape(-1, N_MOVES)
    y = np.asarray(labels, dtype=np.int64)
    if len(y) == 0:
        return float("nan")
    onehot = np.zeros_like(p)
    onehot[np.arange(len(y)), y] = 1.0
    return float(((p - onehot) ** 2).sum(axis=1).mean())


def expected_calibration_error(proba: npt.ArrayLike, labels: npt.ArrayLike, bins: int = ECE_BINS) -> float:
    """Σ_bins (rows in bin / rows) · |accuracy − mean confidence| of the top predicted move,
    with equal-width confidence bins on [1/3, 1]."""
    p = np.asarray(proba, dtype=np.float64).reshape(-1, N_MOVES)
    y = np.asarray(labels, dtype=np.int64)
    if len(y) == 0:
        return float("nan")
    confidence = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(np.float64)
    edges = np.linspace(1.0 / N_MOVES, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, confidence, side="right") - 1, 0, bins - 1)
    total = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            total += members.sum() * abs(correct[members].mean() - confidence[members].mean())
    return float(total / len(y))


def entropy_bits(counts: Iterable[float]) -> float:
    """Shannon entropy of a count vector, in bits (log2 3 ≈ 1.585 for uniform moves); nan when empty."""
    values = [c for c in counts if c > 0]
    n = sum(values)
    if n == 0:
        return float("nan")
    return -sum(c / n * log2(c / n) for c in values)


def conditional_entropy_bits(pairs: Sequence[Sequence[float]]) -> float:
    """H(move | previous move) in bits from a [previous][move] count matrix; nan when empty."""
    n = sum(sum(row) for row in pairs)
    if n == 0:
        return float("nan")
    return sum(sum(row) / n * entropy_bits(row) for row in pairs if sum(row) > 0)


@dataclass(slots=True)
class CalibrationWindow:
    """The last `size` (probabilities, move played) pairs of one predictor."""

    size: int = WINDOW_ROUNDS
    rows: deque[tuple[float, float, float, int]] = field(default_factory=deque)

    def add(self, proba: Sequence[float], move: int) -> None:
        self.rows.append((proba[0], proba[1], proba[2], move))
        while len(self.rows) > self.size:
            self.rows.popleft()

    def brier(self) -> float:
        return brier_score([r[:3] for r in self.rows], [r[3] for r in self.rows])

    def ece(self) -> float:
        return expected_calibration_error([r[:3] for r in self.rows], [r[3] for r in self.rows])


@dataclass(slots=True)
class PlayerWindow:
    """The last `size` model rounds of one serving slot: the player's move, their previous move
    (-1 in a game's first round), and whether the bot fell back; counts kept incrementally."""

    size: int = WINDOW_ROUNDS
    rows: deque[tuple[int, int, bool]] = field(default_factory=deque)
    moves: list[int] = field(default_factory=lambda: [0] * N_MOVES)
    pairs: list[list[int]] = field(default_factory=lambda: [[0] * N_MOVES for _ in range(N_MOVES)])
    fallbacks: int = 0

    def add(self, previous: int, move: int, fallback: bool) -> None:
        self._count((previous, move, fallback), 1)
        self.rows.append((previous, move, fallback))
        while len(self.rows) > self.size:
            self._count(self.rows.popleft(), -1)

    def _count(self, row: tuple[int, int, bool], sign: int) -> None:
        previous, move, fallback = row
        self.moves[move] += sign
        if previous >= 0:
            self.pairs[previous][move] += sign
        self.fallbacks += sign * fallback

    def move_entropy(self) -> float:
        return entropy_bits(self.moves)

    def conditional_entropy(self) -> float:
        return conditional_entropy_bits(self.pairs)

    def fallback_share(self) -> float:
        return self.fallbacks / len(self.rows) if self.rows else float("nan")
