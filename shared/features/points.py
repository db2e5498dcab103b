"""Round values: what each move is worth in a given round (DESIGN §2)."""

from __future__ import annotations

import hashlib

from shared.features.moves import MOVES, Move

BASES_TENTHS: tuple[int, ...] = (11, 12, 13, 14, 15)
LOW_TENTHS = 10
HIGH_BONUS_TENTHS = 5

RoundPoints = dict[Move, float]


def _hash16(game_id: str, round_no: int, salt: str) -> int:
    digest = hashlib.sha256(f"{game_id}:{round_no}:{salt}".encode()).digest()
    return int.from_bytes(digest[:2], "big")


def round_points_tenths(game_id: str, round_no: int) -> tuple[int, int, int]:
    """Values of (rock, paper, scissors) in integer tenths of a point."""
    low = _hash16(game_id, round_no, "low") % 3
    base = BASES_TENTHS[_hash16(game_id, round_no, "base") % 5]
    values = [0, 0, 0]
    values[low] = LOW_TENTHS
    values[(low - 1) % 3] = base + HIGH_BONUS_TENTHS  # the move the low move beats
    values[(low + 1) % 3] = base
    return values[0], values[1], values[2]


def deterministic_round_points(game_id: str, round_no: int) -> RoundPoints:
    """Each move's value in this round: one 1.0, a base in 1.1–1.5, and base + 0.5."""
    tenths = round_points_tenths(game_id, round_no)
    return {move: t / 10 for move, t in zip(MOVES, tenths, strict=True)}


def ranked_moves(points: RoundPoints) -> tuple[Move, Move, Move]:
    """Moves from the highest-valued to the lowest; ties break rock > paper > scissors."""
    ordered = sorted(MOVES, key=lambda m: (-points[m], m.ordinal))
    return ordered[0], ordered[1], ordered[2]
