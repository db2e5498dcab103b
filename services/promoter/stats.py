"""Beta-binomial posteriors: deterministic numerical integration, no sampling. Pure."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betainc, betaln, xlog1py, xlogy  # type: ignore[import-untyped]

from services.promoter.defaults import INTEGRATION_POINTS, INTEGRATION_SDS


@dataclass(frozen=True, slots=True)
class Tally:
    """Successes and failures of a Bernoulli record (game wins/losses, or decisive rounds)."""

    wins: int
    losses: int

    @property
    def total(self) -> int:
        return self.wins + self.losses

    @property
    def posterior_mean(self) -> float:
        """Mean of Beta(1 + wins, 1 + losses): the rate with a uniform prior."""
        return (self.wins + 1) / (self.total + 2)

    @property
    def rate(self) -> float | None:
        return self.wins / self.total if self.total else None


def _beta_pdf(x: np.ndarray, a: float, b: float) -> np.ndarray:
    # xlogy/xlog1py make 0 * log(0) = 0, so Beta(1, b) is finite at x = 0.
    return np.asarray(np.exp(xlogy(a - 1.0, x) + xlog1py(b - 1.0, -x) - betaln(a, b)), dtype=float)


def prob_greater(challenger: Tally, incumbent: Tally, margin: float = 0.0) -> float:
    """P(p_c > p_i + margin) for p ~ Beta(1 + wins, 1 + losses) each, independent.

    Integrates f_i(x) * (1 - F_c(x + margin)) over a window of +-INTEGRATION_SDS posterior
    standard deviations around the incumbent's mean (trapezoid rule on a fixed grid).
    """
    if not 0.0 <= margin < 1.0:
        raise ValueError(f"margin must be within [0, 1), got {margin}")
    a_i, b_i = incumbent.wins + 1.0, incumbent.losses + 1.0
    a_c, b_c = challenger.wins + 1.0, challenger.losses + 1.0
    mean = a_i / (a_i + b_i)
    sd = float(np.sqrt(a_i * b_i / ((a_i + b_i) ** 2 * (a_i + b_i + 1.0))))
    low = max(0.0, mean - INTEGRATION_SDS * sd)
    high = min(1.0 - margin, mean + INTEGRATION_SDS * sd)
    if high <= low:
        return 0.0
    x = np.linspace(low, high, INTEGRATION_POINTS)
    survival = 1.0 - betainc(a_c, b_c, np.minimum(x + margin, 1.0))
    value = float(np.trapezoid(_beta_pdf(x, a_i, b_i) * survival, x))
    return min(1.0, max(0.0, value))
