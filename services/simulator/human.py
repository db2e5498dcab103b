"""The human-like player: habits fitted from real people, plus a chase of the round's top value.

Each simulated player draws one real person's profile, P(next move | own last move, last
outcome), and a chase probability; each round it plays the top-valued move with that
probability, otherwise follows its habit. `distribution` exposes the true next-move
probabilities so tests and benchmarks can measure what an oracle bot would win.
"""

from __future__ import annotations

import functools
import json
import random
from dataclasses import dataclass
from pathlib import Path

from services.simulator.view import GameView
from shared.features import MOVES, Move, ranked_moves

HUMAN_MODEL_PATH = Path(__file__).with_name("human_model.json")
OUTCOMES: tuple[str, ...] = ("win", "lose", "draw")  # Result values, in table order
SHIFTS: tuple[str, ...] = (
    "stay",
    "up",
    "down",
)  # next move relative to one's last: same, beats it, loses to it

Table = tuple[tuple[tuple[float, float, float], ...], ...]  # [last move][outcome] -> P(rock, paper, scissors)


@dataclass(frozen=True, slots=True)
class HumanModel:
    first_move: tuple[float, float, float]
    population: Table
    profiles: tuple[Table, ...]
    chase_beta: tuple[float, float]
    data_shift_rates: dict[str, dict[str, float]]


def _table(raw: list[list[list[float]]]) -> Table:
    return tuple(tuple((c[0], c[1], c[2]) for c in row) for row in raw)


def parse_human_model(raw: dict[str, object]) -> HumanModel:
    first = raw["first_move"]
    beta = raw["chase_beta"]
    return HumanModel(
        first_move=(first[0], first[1], first[2]),  # type: ignore[index]
        population=_table(raw["population"]),  # type: ignore[arg-type]
        profiles=tuple(_table(p) for p in raw["profiles"]),  # type: ignore[attr-defined]
        chase_beta=(beta[0], beta[1]),  # type: ignore[index]
        data_shift_rates=raw["data_shift_rates"],  # type: ignore[arg-type]
    )


@functools.cache
def load_human_model(path: Path = HUMAN_MODEL_PATH) -> HumanModel:
    return parse_human_model(json.loads(path.read_text()))


class HumanPlayer:
    """One simulated person: a fitted habit profile and a chase probability, drawn from `rng`."""

    def __init__(self, model: HumanModel, rng: random.Random, chase: float | None = None) -> None:
        self.rng = rng
        self.first_move = model.first_move
        self.habits = rng.choice(model.profiles)
        self.chase = rng.betavariate(*model.chase_beta) if chase is None else chase

    def distribution(self, view: GameView) -> dict[Move, float]:
        """The probabilities this player plays each move in this round."""
        if view.user_moves:
            outcome = OUTCOMES.index(view.results[-1].value)
            habit = self.habits[view.user_moves[-1].ordinal][outcome]
        else:
            habit = self.first_move
        top = ranked_moves(view.points)[0]
        return {
            m: (1 - self.chase) * habit[i] + (self.chase if m is top else 0.0) for i, m in enumerate(MOVES)
        }

    def move(self, view: GameView) -> Move:
        probabilities = self.distribution(view)
        return self.rng.choices(MOVES, weights=[probabilities[m] for m in MOVES])[0]
