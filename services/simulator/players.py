"""Classic rock-paper-scissors strategies as players, and the registry of player types.

A player is created per game with its own seeded RNG (its "profile" is drawn then) and
answers `move(view)`; it never does I/O and sees only what a human sees.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Protocol

from services.simulator.view import GameView
from shared.features import MOVES, Move, Result, beater_of


class Player(Protocol):
    def move(self, view: GameView) -> Move: ...


PlayerFactory = Callable[[random.Random], Player]


class Constant:
    """Always the same move (drawn per player)."""

    def __init__(self, rng: random.Random) -> None:
        self.choice = rng.choice(MOVES)

    def move(self, view: GameView) -> Move:
        return self.choice


class Cycle:
    """rock → paper → scissors → rock …, from a start drawn per player."""

    def __init__(self, rng: random.Random) -> None:
        self.start = rng.randrange(3)

    def move(self, view: GameView) -> Move:
        return MOVES[(self.start + view.round_no - 1) % 3]


class CopyBot:
    """Plays the bot's last move."""

    def __init__(self, rng: random.Random) -> None:
        self.first = rng.choice(MOVES)

    def move(self, view: GameView) -> Move:
        return view.bot_moves[-1] if view.bot_moves else self.first


class BeatLast:
    """Plays the move that beats the bot's last move."""

    def __init__(self, rng: random.Random) -> None:
        self.first = rng.choice(MOVES)

    def move(self, view: GameView) -> Move:
        return beater_of(view.bot_moves[-1]) if view.bot_moves else self.first


class Biased:
    """Random with fixed, uneven move frequencies drawn per player (one favourite move)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        favourite = rng.randrange(3)
        share = rng.uniform(0.5, 0.7)
        self.weights = [share if i == favourite else (1 - share) / 2 for i in range(3)]

    def move(self, view: GameView) -> Move:
        return self.rng.choices(MOVES, weights=self.weights)[0]


class WinStayLoseShift:
    """Keeps a winning move; after a loss or a draw switches to what beats the bot's last move."""

    def __init__(self, rng: random.Random) -> None:
        self.first = rng.choice(MOVES)

    def move(self, view: GameView) -> Move:
        if not view.user_moves:
            return self.first
        if view.results[-1] is Result.WIN:
            return view.user_moves[-1]
        return beater_of(view.bot_moves[-1])


class UniformRandom:
    """Each move with probability 1/3: nobody can beat it in expectation."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def move(self, view: GameView) -> Move:
        return self.rng.choice(MOVES)


class CounterBot:
    """Counts what the bot played after each of its moves, predicts its next move and beats it.

    Falls back to the bot's overall counts when its last move has no history; ties go to
    the earlier of rock, paper, scissors, so the counter-bot is deterministic.
    """

    def __init__(self, rng: random.Random) -> None:
        self.first = rng.choice(MOVES)

    def move(self, view: GameView) -> Move:
        bots = view.bot_moves
        if not bots:
            return self.first
        after_last = [bots[i + 1] for i in range(len(bots) - 1) if bots[i] is bots[-1]]
        sample = after_last or list(bots)
        predicted = max(MOVES, key=lambda m: (sample.count(m), -m.ordinal))
        return beater_of(predicted)


def _human(rng: random.Random) -> Player:
    from services.simulator.human import HumanPlayer, load_human_model

    return HumanPlayer(load_human_model(), rng)


PLAYER_TYPES: dict[str, PlayerFactory] = {
    "human": _human,
    "constant": Constant,
    "cycle": Cycle,
    "copy": CopyBot,
    "beat_last": BeatLast,
    "biased": Biased,
    "wsls": WinStayLoseShift,
    "random": UniformRandom,
    "counter": CounterBot,
}
PLAYER_DESCRIPTIONS: dict[str, str] = {
    "human": "human-like population fitted from real games (habits after win/lose/draw, chases high values)",
    "constant": "always the same move",
    "cycle": "rock, paper, scissors in turn",
    "copy": "copies the bot's last move",
    "beat_last": "plays what beats the bot's last move",
    "biased": "random with one favourite move (50-70%)",
    "wsls": "win-stay, lose-shift to what beats the bot's last move",
    "random": "uniform random (unbeatable in expectation)",
    "counter": "adaptive: predicts the bot from its move transitions and counters it",
}
DETERMINISTIC_TYPES: tuple[str, ...] = ("constant", "cycle", "copy", "beat_last", "wsls", "counter")


def make_player(kind: str, rng: random.Random) -> Player:
    """A new player of the named type; ValueError names the known types."""
    try:
        factory = PLAYER_TYPES[kind]
    except KeyError:
        raise ValueError(f"unknown player type {kind!r}; known: {', '.join(PLAYER_TYPES)}") from None
    return factory(rng)
