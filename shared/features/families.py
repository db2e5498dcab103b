"""Model families, their serving aliases, and which alias serves a game (DESIGN §4)."""

from __future__ import annotations

import hashlib
from enum import StrEnum


class Family(StrEnum):
    """A model family; the value is its registered model name in MLflow."""

    FEEDFORWARD = "rps_bot_feedforward"
    XGBOOST = "rps_bot_xgboost"
    MNLOGIT = "rps_bot_mnlogit"
    LIGHTGBM = "rps_bot_lightgbm"


class Alias(StrEnum):
    PRODUCTION = "Production"
    B = "B"
    SHADOW1 = "shadow1"
    SHADOW2 = "shadow2"


FAMILIES: tuple[Family, ...] = tuple(Family)
ALIASES: tuple[Alias, ...] = tuple(Alias)
CHALLENGERS: tuple[Alias, ...] = (Alias.B, Alias.SHADOW1, Alias.SHADOW2)
SERVING_ALIASES: tuple[Alias, ...] = (Alias.PRODUCTION, Alias.B)


def ab_bucket(game_id: str) -> float:
    """A reproducible number in [0, 1) from the game id."""
    digest = hashlib.sha256(f"{game_id}:ab".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def select_alias(game_id: str, ab_enabled: bool, ab_split: float) -> Alias:
    """The alias that serves the whole game: a share `ab_split` of games goes to B when A/B is on."""
    if not 0.0 <= ab_split <= 1.0:
        raise ValueError(f"ab_split must be within [0, 1], got {ab_split}")
    if ab_enabled and ab_bucket(game_id) < ab_split:
        return Alias.B
    return Alias.PRODUCTION
