"""Scripted openings (gambits) for rounds 1–3 (DESIGN §2)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from shared.features.moves import Move
from shared.features.points import deterministic_round_points, ranked_moves

OPENING_ROUNDS = 3


@dataclass(frozen=True, slots=True)
class Opening:
    """A named sequence of ranks: 1 = the round's highest-valued move, 3 = lowest."""

    name: str
    ranks: tuple[int, int, int]
    weight: int


OPENINGS: tuple[Opening, ...] = (
    Opening("crescendo", (3, 2, 1), 14),
    Opening("denouement", (1, 2, 3), 12),
    Opening("paper-dolls", (3, 2, 2), 12),
    Opening("fistful-of-dollars", (1, 3, 3), 10),
    Opening("scissor-sandwich", (3, 2, 3), 8),
    Opening("bureaucrat", (3, 3, 3), 6),
    Opening("avalanche", (1, 1, 1), 8),
    Opening("toolbox", (2, 2, 2), 6),
    Opening("razor", (2, 3, 1), 12),
    Opening("switchblade", (2, 1, 3), 12),
)
OPENINGS_BY_NAME: dict[str, Opening] = {o.name: o for o in OPENINGS}
TOTAL_WEIGHT = sum(o.weight for o in OPENINGS)


def choose_opening(secret: bytes, game_id: str) -> Opening:
    """The game's opening, drawn with the fixed weights from HMAC-SHA256(secret, game id): the server
    reproduces it, a player who knows only the game id cannot."""
    digest = hmac.digest(secret, f"{game_id}:opening".encode(), hashlib.sha256)
    ticket = int.from_bytes(digest[:4], "big") % TOTAL_WEIGHT
    for opening in OPENINGS:
        if ticket < opening.weight:
            return opening
        ticket -= opening.weight
    raise AssertionError("weights cover every ticket")  # pragma: no cover


def is_opening_round(round_no: int) -> bool:
    return 1 <= round_no <= OPENING_ROUNDS


def opening_move(opening: Opening, game_id: str, round_no: int) -> Move:
    """The opening's move in round 1–3, resolved against that round's values."""
    if not is_opening_round(round_no):
        raise ValueError(f"round {round_no} is not an opening round (1–{OPENING_ROUNDS})")
    rank = opening.ranks[round_no - 1]
    return ranked_moves(deterministic_round_points(game_id, round_no))[rank - 1]


def opening_moves(opening: Opening, game_id: str) -> tuple[Move, Move, Move]:
    """All three moves of an opening for one game."""
    first, second, third = (opening_move(opening, game_id, r) for r in (1, 2, 3))
    return first, second, third
