"""The --players mix syntax: parsing, clear errors, exact allocation."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from services.simulator.mix import MixError, parse_mix


def test_weights_are_relative_and_default_to_one() -> None:
    mix = parse_mix("human:70, random:10,cycle")
    assert mix.weights == (("human", 70.0), ("random", 10.0), ("cycle", 1.0))


def test_allocation_is_exactly_proportional() -> None:
    kinds = parse_mix("human:70,random:10,cycle:20").allocate(100, random.Random(0))
    assert Counter(kinds) == {"human": 70, "random": 10, "cycle": 20}


def test_allocation_rounds_by_largest_remainder() -> None:
    kinds = parse_mix("human:2,random:1").allocate(10, random.Random(0))
    assert Counter(kinds) == {"human": 7, "random": 3}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("grandma:3", "unknown player type 'grandma'"),
        ("human:x", "must be a number"),
        ("human:0", "must be positive"),
        ("human:-1", "must be positive"),
        ("human,,random", "empty entry"),
        ("human:1,human:2", "appears twice"),
    ],
)
def test_bad_mix_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(MixError, match=message):
        parse_mix(text)
