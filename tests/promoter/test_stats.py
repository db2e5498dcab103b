"""The confidence sequence and the live z-test against their closed forms and their guarantees."""

from __future__ import annotations

import math

import numpy as np
import pytest

from services.promoter.stats import (
    Sums,
    Tally,
    confidence_sequence,
    half_width,
    mixture_rho2,
    two_proportion_z,
)


def test_sums_give_the_sample_mean_and_variance() -> None:
    values = [1.5, -2.0, 0.0, 3.1, -0.4]
    sums = Sums()
    for v in values:
        sums = sums.add(v)
    assert sums.mean == pytest.approx(float(np.mean(values)))
    assert sums.variance == pytest.approx(float(np.var(values, ddof=1)))
    assert sums.negated().mean == pytest.approx(-sums.mean)
    assert sums.negated().variance == pytest.approx(sums.variance)


def test_the_half_width_is_the_normal_mixture_boundary() -> None:
    alpha, n, sd = 0.1, 400, 3.0
    sums = Sums(n, 0.0, sd * sd * (n - 1))
    rho2 = mixture_rho2(alpha, 500)
    expected = sd * math.sqrt(2 * (n * rho2 + 1) / (n * n * rho2) * math.log(math.sqrt(n * rho2 + 1) / alpha))
    assert half_width(sums, alpha, 500) == pytest.approx(expected)
    low, high = confidence_sequence(sums, alpha, 500)
    assert (low, high) == pytest.approx((-expected, expected))


def test_the_sequence_is_wider_than_a_fixed_sample_interval_and_shrinks_with_n() -> None:
    widths = [half_width(Sums(n, 0.0, float(n - 1)), 0.1, 500) for n in (50, 500, 5000)]
    assert widths[0] > widths[1] > widths[2]
    assert widths[1] > 1.645 / math.sqrt(500)  # the price of looking after every cycle


def test_fewer_than_two_observations_give_an_unbounded_sequence() -> None:
    assert confidence_sequence(Sums(1, 2.0, 4.0), 0.1, 500) == (-math.inf, math.inf)
    with pytest.raises(ValueError, match="alpha"):
        half_width(Sums(10, 0.0, 9.0), 1.5, 500)


def test_the_sequence_covers_the_mean_at_every_look_in_most_runs() -> None:
    """Looked at after every 10 observations up to 3000, the miss rate stays below alpha (0.1)."""
    rng = np.random.default_rng(5)
    runs, misses = 300, 0
    for _ in range(runs):
        x = rng.normal(0.4, 3.0, 3000)
        n = np.arange(1, 3001)
        mean = np.cumsum(x) / n
        variance = (np.cumsum(x * x) - n * mean * mean) / np.maximum(n - 1, 1)
        for k in range(10, 3001, 10):
            sums = Sums(k, float(mean[k - 1] * k), float(variance[k - 1] * (k - 1) + k * mean[k - 1] ** 2))
            low, high = confidence_sequence(sums, 0.1, 500)
            if not low <= 0.4 <= high:
                misses += 1
                break
    assert misses / runs < 0.1


def test_two_proportion_z() -> None:
    assert two_proportion_z(Tally(0, 0), Tally(5, 5)) is None
    assert two_proportion_z(Tally(50, 50), Tally(50, 50)) == 0.0
    z = two_proportion_z(Tally(40, 60), Tally(60, 40))
    assert z == pytest.approx(-2.828, abs=1e-3)
    assert two_proportion_z(Tally(10, 0), Tally(10, 0)) == 0.0
