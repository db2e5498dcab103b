"""Moves, results and who beats whom."""

from __future__ import annotations

from enum import StrEnum


class Move(StrEnum):
    ROCK = "rock"
    PAPER = "paper"
    SCISSORS = "scissors"

    @property
    def ordinal(self) -> int:
        return MOVE_INDEX[self]


class Result(StrEnum):
    """A round's result, always from the player's side."""

    WIN = "win"
    LOSE = "lose"
    DRAW = "draw"


MOVES: tuple[Move, ...] = (Move.ROCK, Move.PAPER, Move.SCISSORS)
MOVE_INDEX: dict[Move, int] = {move: i for i, move in enumerate(MOVES)}
RESULTS: tuple[Result, ...] = (Result.WIN, Result.LOSE, Result.DRAW)
# Index into RESULTS by (user - bot) % 3: draw, win, lose.
RESULT_BY_DIFFERENCE: tuple[int, int, int] = (2, 0, 1)

# With MOVES in this order, move i beats move (i - 1) % 3 and loses to (i + 1) % 3.


def beaten_by(move: Move) -> Move:
    """The move that `move` beats."""
    return MOVES[(MOVE_INDEX[move] - 1) % 3]


def beater_of(move: Move) -> Move:
    """The move that beats `move`."""
    return MOVES[(MOVE_INDEX[move] + 1) % 3]


def round_result(user_move: Move, bot_move: Move) -> Result:
    """The result of one round for the player."""
    return RESULTS[result_index(MOVE_INDEX[user_move], MOVE_INDEX[bot_move])]


def result_index(user: int, bot: int) -> int:
    """Index into RESULTS for move indices: 0 win, 1 lose, 2 draw."""
    return RESULT_BY_DIFFERENCE[(user - bot) % 3]


def parse_move(value: str | Move) -> Move:
    """A Move from its name; ValueError names the allowed values."""
    try:
        return Move(value)
    except ValueError:
        allowed = ", ".join(m.value for m in MOVES)
        raise ValueError(f"unknown move {value!r}; allowed: {allowed}") from None
