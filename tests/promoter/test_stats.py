"""The posterior probability against the closed form (Beta(1, 1) priors, no margin)."""

from __future__ import annotations

import math

import pytest
from scipy.special import betaln  # type: ignore[import-untyped]

from services.promoter.stats import Tally, prob_greater


def exact_prob_greater(challenger: Tally, incumbent: Tally) -> float:
    """P(p_c > p_i), closed form for an integer alpha of the challenger (Evan Miller's sum)."""
    a_c, b_c = challenger.wins + 1, challenger.losses + 1
    a_i, b_i = incumbent.wins + 1, incumbent.losses + 1
    return sum(
        math.exp(betaln(a_i + k, b_i + b_c) - math.log(b_c + k) - betaln(1 + k, b_c) - betaln(a_i, b_i))
        for k in range(a_c)
    )


@pytest.mark.parametrize(
    ("challenger", "incumbent"),
    [
        (Tally(0, 0), Tally(0, 0)),
        (Tally(1, 0), Tally(0, 1)),
        (Tally(18, 12), Tally(13, 17)),
        (Tally(60, 40), Tally(45, 55)),
        (Tally(3, 40), Tally(0, 30)),
        (Tally(900, 1100), Tally(880, 1120)),
        (Tally(0, 50), Tally(50, 0)),
    ],
)
def test_prob_greater_matches_the_closed_form(challenger: Tally, incumbent: Tally) -> None:
    assert prob_greater(challenger, incumbent) == pytest.approx(
        exact_prob_greater(challenger, incumbent), abs=1e-4
    )


def test_a_margin_lowers_the_probability_and_is_deterministic() -> None:
    b, prod = Tally(60, 40), Tally(45, 55)
    values = [prob_greater(b, prod, margin) for margin in (0.0, 0.05, 0.1, 0.2)]
    assert values == sorted(values, reverse=True)
    assert values[0] > 0.98 and values[-1] < 0.5
    assert prob_greater(b, prod, 0.05) == prob_greater(b, prod, 0.05)


def test_equal_records_give_one_half_without_margin() -> None:
    assert prob_greater(Tally(40, 60), Tally(40, 60)) == pytest.approx(0.5, abs=1e-4)


def test_a_margin_outside_zero_one_is_refused() -> None:
    with pytest.raises(ValueError, match="margin"):
        prob_greater(Tally(1, 1), Tally(1, 1), 1.0)


def test_tally_posterior_mean_uses_a_uniform_prior() -> None:
    assert Tally(0, 0).posterior_mean == 0.5
    assert Tally(3, 1).posterior_mean == pytest.approx(4 / 6)
    assert Tally(0, 0).rate is None
