"""Expected-value policies, alias routing and the degraded-mode move."""

from __future__ import annotations

import hashlib
from collections import Counter
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.features import (
    GAME_VALUE,
    MOVES,
    POLICIES,
    Alias,
    Family,
    Move,
    beaten_by,
    beater_of,
    choose_move,
    deterministic_round_points,
    expected_values,
    fallback_move,
    get_policy,
    replayed_value,
    round_value,
    score_round,
    select_alias,
)
from tests.core.strategies import game_ids

scores = st.integers(min_value=0, max_value=99).map(lambda t: t / 10)


@st.composite
def probabilities(draw: st.DrawFn) -> dict[Move, float]:
    raw = [draw(st.integers(min_value=0, max_value=100)) for _ in MOVES]
    total = sum(raw) or 1
    return {m: r / total for m, r in zip(MOVES, raw, strict=True)}


def _worth(score: float, points: float) -> float:
    return points + (GAME_VALUE if round(score + points, 1) >= 10 else 0.0)


@given(probabilities(), game_ids, st.integers(min_value=4, max_value=60), scores, scores)
def test_policy_returns_the_ev_maximising_move_with_deterministic_ties(
    probs: dict[Move, float], game_id: str, round_no: int, user_score: float, bot_score: float
) -> None:
    points = deterministic_round_points(game_id, round_no)
    ev = {
        a: _worth(bot_score, points[a]) * probs[beaten_by(a)]
        - _worth(user_score, points[beater_of(a)]) * probs[beater_of(a)]
        for a in MOVES
    }
    assert expected_values(probs, points, user_score, bot_score) == pytest.approx(ev)
    best = max(ev.values())
    first_best = next(a for a in MOVES if ev[a] == best)
    assert choose_move(probs, points, user_score, bot_score) is first_best


@given(probabilities(), game_ids, st.integers(min_value=4, max_value=60), scores, scores)
def test_the_replayed_value_is_what_the_policy_s_move_would_have_scored(
    probs: dict[Move, float], game_id: str, round_no: int, user_score: float, bot_score: float
) -> None:
    points = deterministic_round_points(game_id, round_no)
    chosen = choose_move(probs, points, user_score, bot_score)
    for user in MOVES:
        outcome = score_round(user, chosen, points, user_score, bot_score)
        assert round_value(chosen, user, points) == outcome.bot_delta - outcome.user_delta
        assert replayed_value(probs, points, user_score, bot_score, user) == round_value(chosen, user, points)


def test_a_certain_player_move_is_beaten() -> None:
    points = {Move.ROCK: 1.0, Move.PAPER: 1.2, Move.SCISSORS: 1.7}
    for move in MOVES:
        probs = {m: float(m is move) for m in MOVES}
        assert choose_move(probs, points, 0.0, 0.0) is beater_of(move)


def test_uniform_probabilities_tie_break_to_rock_when_values_are_equal() -> None:
    flat = dict.fromkeys(MOVES, 1.5)
    assert choose_move(dict.fromkeys(MOVES, 1 / 3), flat, 0.0, 0.0) is Move.ROCK


def test_the_game_winning_move_is_worth_more() -> None:
    points = {Move.ROCK: 1.0, Move.PAPER: 1.5, Move.SCISSORS: 2.0}
    probs = {Move.ROCK: 0.2, Move.PAPER: 0.4, Move.SCISSORS: 0.4}
    # Far from 10, paper vs rock (win 1.5*0.2) loses to scissors (2.0*0.4 - 1.0*0.2 ...).
    far = expected_values(probs, points, 0.0, 0.0)
    near = expected_values(probs, points, 0.0, 8.5)  # paper now wins the game
    assert near[Move.PAPER] - far[Move.PAPER] == pytest.approx(GAME_VALUE * probs[Move.ROCK])


def test_every_family_has_exactly_one_policy() -> None:
    assert sorted(p.family for p in POLICIES) == sorted(Family)
    assert get_policy("brian").family is Family.FEEDFORWARD
    with pytest.raises(ValueError, match="brian, forrest, logan, lily"):
        get_policy("nobody")


SECRET = b"test-secret"


@given(game_ids, st.integers(min_value=1, max_value=100))
def test_fallback_move_is_reproducible(game_id: str, round_no: int) -> None:
    assert fallback_move(SECRET, game_id, round_no) is fallback_move(SECRET, game_id, round_no)


def test_fallback_moves_differ_under_two_secrets_and_not_from_the_unkeyed_hash() -> None:
    """Keyed: a player who knows the game id (and the code) cannot derive the moves."""
    rounds = range(4, 404)
    one = [fallback_move(b"secret-one", "game-x", n) for n in rounds]
    two = [fallback_move(b"secret-two", "game-x", n) for n in rounds]
    digests = [hashlib.sha256(f"game-x:{n}:fallback".encode()).digest() for n in rounds]
    unkeyed = [MOVES[int.from_bytes(d[:4], "big") % 3] for d in digests]
    for other in (two, unkeyed):
        agreement = sum(a is b for a, b in zip(one, other, strict=True)) / len(one)
        assert agreement < 0.45, agreement  # chance is 1/3


def test_fallback_moves_are_balanced_and_unpredictable_from_the_last_move() -> None:
    sequence = [fallback_move(SECRET, "game-x", n) for n in range(1, 9001)]
    counts = Counter(sequence)
    assert all(abs(counts[m] / len(sequence) - 1 / 3) < 0.02 for m in MOVES)
    repeats = sum(a is b for a, b in pairwise(sequence)) / (len(sequence) - 1)
    assert abs(repeats - 1 / 3) < 0.02


def test_alias_is_production_without_ab_and_a_reproducible_share_with_it() -> None:
    ids = [f"g{i}" for i in range(10_000)]
    assert {select_alias(g, False, 0.5) for g in ids} == {Alias.PRODUCTION}
    chosen = [select_alias(g, True, 0.3) for g in ids]
    assert chosen == [select_alias(g, True, 0.3) for g in ids]
    assert abs(chosen.count(Alias.B) / len(ids) - 0.3) < 0.02
    with pytest.raises(ValueError, match="ab_split"):
        select_alias("g", True, 1.5)
