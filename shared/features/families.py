"""Model families, their serving aliases, and which alias serves a game (DESIGN §4)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
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


# Bandit routing: each of Production and B gets at least this share of new games.
BANDIT_FLOOR = 0.10


def bandit_share_b(production: tuple[int, int], b: tuple[int, int], floor: float = BANDIT_FLOOR) -> float:
    """B's share of new games under Thompson sampling on live (bot wins, bot losses) of each version.

    Thompson sampling serves B with probability P(θ_B > θ_P), θ ~ Beta(1 + wins, 1 + losses);
    that probability (normal approximation of the two posteriors) is the share, clipped to
    [floor, 1 − floor] so each side keeps evidence coming. Pass it to `select_alias` as the split:
    the game id's hash then picks the side, reproducibly.
    """
    if not 0.0 <= floor <= 0.5:
        raise ValueError(f"floor must be within [0, 0.5], got {floor}")
    means, variances = [], []
    for wins, losses in (production, b):
        a, c = wins + 1.0, losses + 1.0
        means.append(a / (a + c))
        variances.append(a * c / ((a + c) ** 2 * (a + c + 1.0)))
    z = (means[1] - means[0]) / math.sqrt(variances[0] + variances[1])
    p_b_better = 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
    return min(1.0 - floor, max(floor, p_b_better))


def place_candidate(current: Mapping[Alias, int | None], version: int) -> tuple[dict[Alias, int], int | None]:
    """Where a new version that passed the gate waits, and the version it displaces (None if none).

    The first version of a family takes all four aliases. A later one never takes Production or B
    (B keeps its place until its test is decided): it waits in the first free of shadow1, shadow2
    (unset, or holding the Production or B version again), else it replaces shadow2, the challenger
    the promoter ranks last.
    """
    if all(current.get(alias) is None for alias in ALIASES):
        return dict.fromkeys(ALIASES, version), None
    serving = {current.get(Alias.PRODUCTION), current.get(Alias.B)}
    for slot in (Alias.SHADOW1, Alias.SHADOW2):
        if current.get(slot) is None or current.get(slot) in serving:
            return {slot: version}, None
    return {Alias.SHADOW2: version}, current.get(Alias.SHADOW2)
