"""The statistics of the promotion test: running sums, an always-valid confidence sequence, a z-test. Pure.

The confidence sequence is the normal-mixture boundary of Robbins, in the asymptotic form of
Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas (2021, "Time-uniform central limit theory and
asymptotic confidence sequences"): with n observations of mean m and sample variance s²,

    m ± s · sqrt( 2 (n ρ² + 1) / (n² ρ²) · log( sqrt(n ρ² + 1) / α ) )

covers the true mean at *every* n at once with probability ≥ 1 − α (asymptotically), so it may
be looked at after every cycle without inflating the error. ρ² = (−2 log α + log(1 − 2 log α)) / t*
makes it tightest at t* observations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Sums:
    """Count, sum and sum of squares of a stream of observations (enough for mean and variance)."""

    n: int = 0
    total: float = 0.0
    squares: float = 0.0

    def add(self, value: float) -> Sums:
        return Sums(self.n + 1, self.total + value, self.squares + value * value)

    def negated(self) -> Sums:
        """The sums of the negated observations (the same pair seen from the other side)."""
        return Sums(self.n, -self.total, self.squares)

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    @property
    def variance(self) -> float:
        """Sample variance (n − 1 in the denominator); 0 below two observations."""
        if self.n < 2:
            return 0.0
        return max(0.0, (self.squares - self.total * self.total / self.n) / (self.n - 1))


@dataclass(frozen=True, slots=True)
class Tally:
    """Wins and losses of a Bernoulli record (games a version won or lost while serving)."""

    wins: int = 0
    losses: int = 0

    @property
    def total(self) -> int:
        return self.wins + self.losses

    @property
    def rate(self) -> float | None:
        return self.wins / self.total if self.total else None


def mixture_rho2(alpha: float, tightest_at: float) -> float:
    """The mixture's ρ² that makes the sequence tightest after `tightest_at` observations."""
    log_a = -2.0 * math.log(alpha)
    return (log_a + math.log(1.0 + log_a)) / tightest_at


def half_width(sums: Sums, alpha: float, tightest_at: float) -> float:
    """Half-width of the always-valid confidence sequence for the mean after `sums.n` observations."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be within (0, 1), got {alpha}")
    if sums.n < 2:
        return math.inf
    rho2 = mixture_rho2(alpha, tightest_at)
    n = sums.n
    radius2 = 2.0 * (n * rho2 + 1.0) / (n * n * rho2) * math.log(math.sqrt(n * rho2 + 1.0) / alpha)
    return math.sqrt(sums.variance * radius2)


def confidence_sequence(sums: Sums, alpha: float, tightest_at: float) -> tuple[float, float]:
    """(low, high): the mean lies within at every n with probability ≥ 1 − alpha."""
    width = half_width(sums, alpha, tightest_at)
    return sums.mean - width, sums.mean + width


def two_proportion_z(challenger: Tally, incumbent: Tally) -> float | None:
    """z of the challenger's win rate minus the incumbent's (pooled); None without games on both."""
    if challenger.total == 0 or incumbent.total == 0:
        return None
    pooled = (challenger.wins + incumbent.wins) / (challenger.total + incumbent.total)
    se = math.sqrt(pooled * (1.0 - pooled) * (1.0 / challenger.total + 1.0 / incumbent.total))
    if se == 0.0:
        return 0.0
    return ((challenger.rate or 0.0) - (incumbent.rate or 0.0)) / se
