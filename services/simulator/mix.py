"""The player mix: `human:70,random:10,cycle:20` → which player type plays each game."""

from __future__ import annotations

import random
from dataclasses import dataclass

from services.simulator.players import PLAYER_TYPES


class MixError(ValueError):
    """A --players value that cannot be parsed; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class Mix:
    weights: tuple[tuple[str, float], ...]

    def allocate(self, games: int, rng: random.Random) -> list[str]:
        """Exactly proportional player types for `games` games (largest remainder), shuffled."""
        total = sum(w for _, w in self.weights)
        quotas = [(name, games * w / total) for name, w in self.weights]
        counts = {name: int(q) for name, q in quotas}
        by_remainder = sorted(quotas, key=lambda nq: nq[1] - int(nq[1]), reverse=True)
        for name, _ in by_remainder[: games - sum(counts.values())]:
            counts[name] += 1
        kinds = [name for name, _ in self.weights for _ in range(counts[name])]
        rng.shuffle(kinds)
        return kinds


def parse_mix(text: str) -> Mix:
    """`type[:weight],...`; a weight is a positive number (default 1); weights are relative."""
    weights: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            raise MixError(f"empty entry in player mix {text!r}")
        name, _, raw_weight = part.partition(":")
        name = name.strip()
        if name not in PLAYER_TYPES:
            raise MixError(f"unknown player type {name!r} in {text!r}; known: {', '.join(PLAYER_TYPES)}")
        try:
            weight = float(raw_weight) if raw_weight else 1.0
        except ValueError:
            raise MixError(f"weight of {name!r} must be a number, got {raw_weight!r}") from None
        if not weight > 0:
            raise MixError(f"weight of {name!r} must be positive, got {raw_weight!r}")
        if name in weights:
            raise MixError(f"player type {name!r} appears twice in {text!r}")
        weights[name] = weight
    return Mix(tuple(weights.items()))
