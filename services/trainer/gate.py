"""The offline gate: may a candidate enter as shadow2? Pure.

The candidate's recipe (pipeline step 1: fitted on the oldest 60% of rows) must beat chance on
its holdout (accuracy above 1/3, log loss below ln 3). Then it is compared with the current
Production *and* B on the same rows: the holdout rows none of the three trained on (recorded
after every compared version's `data_position`), on the policy's score per round (replayed
round value, `services.trainer.evaluation`). Per round the difference candidate − incumbent is
paired (same row, same recorded move), so its mean has a standard error; the candidate is refused
when it is worse than either incumbent beyond noise and margin:

    mean(d) + Z · se(d) < −margin        (one-sided 95%: Z = 1.645; margin in points per round)

It is also refused when fewer than `min_rows` such rows exist (it cannot be shown not to be
worse). An incumbent that cannot be scored (another feature contract, unreadable, its data
position unknown) is left out, and the verdict says so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from services.trainer.evaluation import CHANCE_ACCURACY, CHANCE_LOG_LOSS, Scores
from shared.features import Alias

FloatArray = npt.NDArray[np.float64]

Z_ONE_SIDED_95 = 1.645


@dataclass(frozen=True, slots=True)
class Incumbent:
    """A version under Production and/or B, replayed on the compared rows (None: not comparable)."""

    aliases: tuple[Alias, ...]
    version: int
    values: FloatArray | None  # per compared row: its policy's replayed round value
    accuracy: float | None = None  # on the compared rows
    note: str = ""


@dataclass(frozen=True, slots=True)
class Comparison:
    """The candidate against one incumbent on the same rows (points per round)."""

    aliases: list[str]
    version: int
    rows: int
    candidate_score: float | None = None
    incumbent_score: float | None = None
    difference: float | None = None
    std_error: float | None = None
    upper_bound: float | None = None  # difference + Z · std_error
    candidate_accuracy: float | None = None
    incumbent_accuracy: float | None = None
    worse: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class GateVerdict:
    passed: bool
    reason: str
    accuracy: float
    log_loss: float
    score_per_round: float  # the candidate's, on its whole holdout
    margin: float
    compared_rows: int = 0
    unseen_after: int | None = None  # compared rows were recorded after this log position
    comparisons: list[Comparison] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _label(aliases: tuple[Alias, ...] | list[str], version: int) -> str:
    return f"{' and '.join(str(a) for a in aliases)} v{version}"


def compare(
    candidate: FloatArray, candidate_accuracy: float, incumbent: Incumbent, margin: float
) -> Comparison:
    """The paired comparison on the rows both were replayed on."""
    aliases = [a.value for a in incumbent.aliases]
    if incumbent.values is None:
        return Comparison(aliases, incumbent.version, 0, note=incumbent.note)
    d = candidate - incumbent.values
    n = len(d)
    mean = float(d.mean())
    se = float(d.std(ddof=1) / np.sqrt(n)) if n > 1 else float("inf")
    upper = mean + Z_ONE_SIDED_95 * se
    return Comparison(
        aliases,
        incumbent.version,
        n,
        candidate_score=float(candidate.mean()),
        incumbent_score=float(incumbent.values.mean()),
        difference=mean,
        std_error=se,
        upper_bound=upper,
        candidate_accuracy=candidate_accuracy,
        incumbent_accuracy=incumbent.accuracy,
        worse=upper < -margin,
    )


def offline_gate(
    candidate: Scores,
    compared: FloatArray,
    compared_accuracy: float,
    incumbents: list[Incumbent],
    margin: float,
    min_rows: int,
    unseen_after: int | None = None,
) -> GateVerdict:
    """The verdict on a candidate: `compared` are its replayed values on the rows the comparable
    incumbents were replayed on (see the module docstring)."""

    def verdict(passed: bool, reason: str, comparisons: list[Comparison] | None = None) -> GateVerdict:
        return GateVerdict(
            passed,
            reason,
            accuracy=candidate.accuracy,
            log_loss=candidate.log_loss,
            score_per_round=candidate.score_per_round,
            margin=margin,
            compared_rows=len(compared),
            unseen_after=unseen_after,
            comparisons=comparisons or [],
        )

    if candidate.accuracy <= CHANCE_ACCURACY or candidate.log_loss >= CHANCE_LOG_LOSS:
        reason = (
            f"does not beat chance: holdout accuracy {candidate.accuracy:.4f} "
            f"(chance {CHANCE_ACCURACY:.4f}), "
            f"log loss {candidate.log_loss:.4f} (uniform {CHANCE_LOG_LOSS:.4f})"
        )
        return verdict(False, reason)
    if not incumbents:
        return verdict(True, "beats chance; no Production or B to compare with")
    comparable = [i for i in incumbents if i.values is not None]
    if comparable and len(compared) < min_rows:
        reason = (
            f"cannot be compared fairly: {len(compared)} holdout rows were recorded after the data of "
            f"{', '.join(_label(i.aliases, i.version) for i in comparable)} (need {min_rows})"
        )
        return verdict(False, reason)
    comparisons = [compare(compared, compared_accuracy, i, margin) for i in incumbents]
    worse = [c for c in comparisons if c.worse]
    notes = "".join(
        f"; {_label(c.aliases, c.version)} not comparable: {c.note}" for c in comparisons if c.note
    )
    if worse:
        c = worse[0]
        reason = (
            f"worse than {_label(c.aliases, c.version)} on the same {c.rows} holdout rows: "
            f"{c.candidate_score:.3f} against {c.incumbent_score:.3f} points per round "
            f"(difference {c.difference:+.3f}, upper bound {c.upper_bound:+.3f}, margin {margin:.3f})"
            f"{notes}"
        )
        return verdict(False, reason, comparisons)
    shown = ", ".join(
        f"{_label(c.aliases, c.version)} {c.incumbent_score:.3f}" for c in comparisons if c.note == ""
    )
    if not shown:
        return verdict(True, f"beats chance{notes}", comparisons)
    reason = (
        f"beats chance and is not worse on the same {len(compared)} unseen holdout rows: "
        f"{float(compared.mean()):.3f} points per round against {shown}{notes}"
    )
    return verdict(True, reason, comparisons)
