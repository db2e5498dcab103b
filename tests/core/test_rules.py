"""Moves, round points, scoring and openings."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.features import (
    MAX_ROUNDS,
    MOVES,
    OPENINGS,
    Move,
    Opening,
    Result,
    Winner,
    beaten_by,
    beater_of,
    choose_opening,
    deterministic_round_points,
    opening_move,
    parse_move,
    ranked_moves,
    round_result,
    score_round,
)
from tests.core.strategies import game_ids, moves

rounds = st.integers(min_value=1, max_value=500)
SECRET = b"test-secret"


def test_rock_beats_scissors_beats_paper_beats_rock() -> None:
    assert beaten_by(Move.ROCK) is Move.SCISSORS
    assert beaten_by(Move.SCISSORS) is Move.PAPER
    assert beaten_by(Move.PAPER) is Move.ROCK
    assert all(beater_of(beaten_by(m)) is m for m in MOVES)


@given(moves, moves)
def test_round_result_is_antisymmetric(user: Move, bot: Move) -> None:
    forward, backward = round_result(user, bot), round_result(bot, user)
    assert {forward, backward} in ({Result.DRAW}, {Result.WIN, Result.LOSE})
    assert (forward is Result.DRAW) == (user is bot)


def test_parse_move_names_the_allowed_values() -> None:
    with pytest.raises(ValueError, match="rock, paper, scissors"):
        parse_move("lizard")


@given(game_ids, rounds)
def test_round_points_hold_one_low_a_base_and_base_plus_half(game_id: str, round_no: int) -> None:
    points = deterministic_round_points(game_id, round_no)
    low, base, high = sorted(points.values())
    assert low == 1.0
    assert base in (1.1, 1.2, 1.3, 1.4, 1.5)
    assert high == round(base + 0.5, 1)
    low_move = min(points, key=points.__getitem__)
    assert points[beaten_by(low_move)] == high
    assert points == deterministic_round_points(game_id, round_no)


@given(game_ids, rounds)
def test_ranked_moves_go_from_highest_to_lowest(game_id: str, round_no: int) -> None:
    points = deterministic_round_points(game_id, round_no)
    first, second, third = ranked_moves(points)
    assert points[first] > points[second] > points[third]


@given(moves, moves, game_ids, rounds)
def test_only_the_round_winner_scores_the_points_of_their_move(
    user: Move, bot: Move, game_id: str, n: int
) -> None:
    points = deterministic_round_points(game_id, n)
    outcome = score_round(user, bot, points, 3.3, 4.4)
    if outcome.result is Result.WIN:
        assert (outcome.user_delta, outcome.bot_delta) == (points[user], 0.0)
    elif outcome.result is Result.LOSE:
        assert (outcome.user_delta, outcome.bot_delta) == (0.0, points[bot])
    else:
        assert (outcome.user_delta, outcome.bot_delta) == (0.0, 0.0)
    assert outcome.user_score == round(3.3 + outcome.user_delta, 1)
    assert outcome.bot_score == round(4.4 + outcome.bot_delta, 1)


@given(game_ids, st.lists(st.tuples(moves, moves), min_size=300, max_size=300))
def test_every_game_ends_with_one_winner_at_ten_points_or_more(
    game_id: str, plays: list[tuple[Move, Move]]
) -> None:
    user_score = bot_score = 0.0
    decisive = 0
    for round_no, (user, bot) in enumerate(plays, start=1):
        outcome = score_round(user, bot, deterministic_round_points(game_id, round_no), user_score, bot_score)
        user_score, bot_score = outcome.user_score, outcome.bot_score
        decisive += outcome.result is not Result.DRAW
        if outcome.finished:
            break
    if decisive >= 19:  # every decisive round scores at least 1.0, so 19 of them end any game
        assert outcome.finished
    if outcome.finished:
        winner_score = user_score if outcome.winner is Winner.USER else bot_score
        loser_score = bot_score if outcome.winner is Winner.USER else user_score
        assert winner_score >= 10.0 > loser_score


def test_openings_differ_under_two_secrets_and_not_from_the_unkeyed_hash() -> None:
    """Keyed: the opening cannot be derived from the game id without the secret."""
    ids = [f"game-{i}" for i in range(2_000)]
    one = [choose_opening(b"secret-one", g) for g in ids]
    two = [choose_opening(b"secret-two", g) for g in ids]
    unkeyed = [_unkeyed_opening(g) for g in ids]
    # Two independent draws from the weights agree with probability sum(w^2) ~ 0.107.
    for other in (two, unkeyed):
        agreement = sum(a is b for a, b in zip(one, other, strict=True)) / len(ids)
        assert agreement < 0.16, agreement


def _unkeyed_opening(game_id: str) -> Opening:
    """The draw as it was before GAME_SECRET: sha256 of the game id alone."""
    ticket = int.from_bytes(hashlib.sha256(f"{game_id}:opening".encode()).digest()[:4], "big") % 100
    for opening in OPENINGS:
        if ticket < opening.weight:
            return opening
        ticket -= opening.weight
    raise AssertionError("unreachable")


def test_opening_weights_are_the_contract_ones() -> None:
    weights = {o.name: o.weight for o in OPENINGS}
    assert weights == {
        "crescendo": 14, "denouement": 12, "paper-dolls": 12, "fistful-of-dollars": 10,
        "scissor-sandwich": 8, "bureaucrat": 6, "avalanche": 8, "toolbox": 6, "razor": 12, "switchblade": 12,
    }  # fmt: skip


def test_openings_are_chosen_reproducibly_with_their_weights() -> None:
    ids = [f"game-{i}" for i in range(20_000)]
    counts = Counter(choose_opening(SECRET, game_id).name for game_id in ids)
    assert [choose_opening(SECRET, game_id) for game_id in ids[:50]] == [
        choose_opening(SECRET, game_id) for game_id in ids[:50]
    ]
    for opening in OPENINGS:
        share = counts[opening.name] / len(ids)
        assert abs(share - opening.weight / 100) < 0.015, (opening.name, share)


@given(game_ids)
def test_opening_moves_follow_the_ranks(game_id: str) -> None:
    opening = choose_opening(SECRET, game_id)
    for round_no, rank in enumerate(opening.ranks, start=1):
        ranked = ranked_moves(deterministic_round_points(game_id, round_no))
        assert opening_move(opening, game_id, round_no) is ranked[rank - 1]


def test_opening_move_refuses_round_four() -> None:
    with pytest.raises(ValueError, match="not an opening round"):
        opening_move(OPENINGS[0], "g", 4)


@pytest.mark.parametrize(
    ("user", "bot", "winner"),
    [(4.0, 3.9, Winner.USER), (3.9, 4.0, Winner.BOT), (5.5, 5.5, Winner.DRAW)],
)
def test_the_round_cap_ends_a_game_by_the_higher_score_or_a_draw(
    user: float, bot: float, winner: Winner
) -> None:
    points = deterministic_round_points("capped", MAX_ROUNDS)
    # A drawn round scores nothing: the scores before it decide.
    outcome = score_round(Move.ROCK, Move.ROCK, points, user, bot, MAX_ROUNDS)
    assert outcome.winner is winner
    assert score_round(Move.ROCK, Move.ROCK, points, user, bot, MAX_ROUNDS - 1).winner is None
