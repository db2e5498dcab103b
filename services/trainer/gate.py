"""The offline gate: may a candidate enter as shadow2? Pure.

Passes when the candidate's step-1 holdout accuracy beats chance (1/3) and its log loss beats
the uniform prediction (ln 3), and its holdout accuracy is at most `margin` below the current
Production's accuracy on the same holdout rows. Accuracy, not the replayed game win rate, is
compared with Production: on a holdout of a few hundred games the win rate is too noisy to
block on. Both are logged.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from services.trainer.evaluation import CHANCE_ACCURACY, CHANCE_LOG_LOSS, Scores


@dataclass(frozen=True, slots=True)
class ProductionScores:
    version: int
    scores: Scores | None  # None: could not be scored (other feature contract, unreadable)
    note: str = ""


@dataclass(frozen=True, slots=True)
class GateVerdict:
    passed: bool
    reason: str
    accuracy: float
    log_loss: float
    margin: float
    production_version: int | None = None
    production_accuracy: float | None = None
    production_game_win_rate: float | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def offline_gate(candidate: Scores, production: ProductionScores | None, margin: float) -> GateVerdict:
    def verdict(passed: bool, reason: str, production_version: int | None = None) -> GateVerdict:
        prod = production.scores if production is not None else None
        return GateVerdict(
            passed,
            reason,
            accuracy=candidate.accuracy,
            log_loss=candidate.log_loss,
            margin=margin,
            production_version=production_version,
            production_accuracy=prod.accuracy if prod is not None else None,
            production_game_win_rate=prod.game_win_rate if prod is not None else None,
        )

    if candidate.accuracy <= CHANCE_ACCURACY or candidate.log_loss >= CHANCE_LOG_LOSS:
        reason = (
            f"does not beat chance: holdout accuracy {candidate.accuracy:.4f} "
            f"(chance {CHANCE_ACCURACY:.4f}), "
            f"log loss {candidate.log_loss:.4f} (uniform {CHANCE_LOG_LOSS:.4f})"
        )
        return verdict(False, reason)
    if production is None:
        return verdict(True, "beats chance; no Production to compare with")
    if production.scores is None:
        reason = f"beats chance; Production v{production.version} not comparable: {production.note}"
        return verdict(True, reason, production.version)
    prod = production.scores
    floor = prod.accuracy - margin
    if candidate.accuracy < floor:
        reason = (
            f"holdout accuracy {candidate.accuracy:.4f} is more than {margin:.3f} below "
            f"Production v{production.version} ({prod.accuracy:.4f}) on the same holdout"
        )
        return verdict(False, reason, production.version)
    reason = (
        f"beats chance and holdout accuracy {candidate.accuracy:.4f} is within {margin:.3f} of "
        f"Production v{production.version} ({prod.accuracy:.4f})"
    )
    return verdict(True, reason, production.version)
