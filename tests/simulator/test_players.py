"""Classic strategies do what their names say, from what a human sees, reproducibly."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from services.simulator.arena import fallback_bot, play_game
from services.simulator.players import DETERMINISTIC_TYPES, PLAYER_TYPES, make_player
from services.simulator.view import GameView
from shared.features import MOVES, Move, Result, beater_of, deterministic_round_points, round_result

R, P, S = Move.ROCK, Move.PAPER, Move.SCISSORS


def view_after(users: list[Move], bots: list[Move], game_id: str = "g") -> GameView:
    view = GameView(round_no=1, points=deterministic_round_points(game_id, 1))
    for n, (u, b) in enumerate(zip(users, bots, strict=True), start=1):
        view = view.after(u, b, round_result(u, b), 0.0, 0.0, deterministic_round_points(game_id, n + 1))
    return view


def test_constant_always_plays_one_move() -> None:
    player = make_player("constant", random.Random(3))
    moves = {player.move(view_after([R] * n, [P] * n)) for n in range(10)}
    assert len(moves) == 1


def test_cycle_steps_through_the_moves() -> None:
    player = make_player("cycle", random.Random(3))
    first = player.move(view_after([], []))
    second = player.move(view_after([first], [R]))
    third = player.move(view_after([first, second], [R, R]))
    assert [first, second, third] == [first, beater_of(first), beater_of(beater_of(first))]


def test_copy_plays_the_bots_last_move() -> None:
    player = make_player("copy", random.Random(0))
    assert player.move(view_after([R, R], [P, S])) is S


def test_beat_last_plays_what_beats_the_bots_last_move() -> None:
    player = make_player("beat_last", random.Random(0))
    assert player.move(view_after([R], [S])) is R
    assert player.move(view_after([R, R], [S, P])) is S


def test_win_stay_lose_shift() -> None:
    player = make_player("wsls", random.Random(0))
    assert player.move(view_after([R], [S])) is R  # won: stay
    assert player.move(view_after([R], [P])) is S  # lost to paper: play what beats paper
    assert player.move(view_after([R], [R])) is P  # draw counts as not winning


def test_counter_bot_predicts_the_bots_transition_and_counters_it() -> None:
    player = make_player("counter", random.Random(0))
    # Bot: rock, paper, rock, paper, rock. After rock comes paper: expect paper, play scissors.
    assert player.move(view_after([S] * 5, [R, P, R, P, R])) is S
    # Without a transition after its last move, the bot's most frequent move is countered.
    assert player.move(view_after([R] * 3, [S, S, P])) is R  # expects scissors (2 of 3)


def test_uniform_random_is_close_to_a_third_each() -> None:
    player = make_player("random", random.Random(1))
    counts = Counter(player.move(view_after([], [])) for _ in range(3000))
    assert all(abs(counts[m] / 3000 - 1 / 3) < 0.04 for m in MOVES)


def test_biased_player_has_one_favourite_move() -> None:
    player = make_player("biased", random.Random(2))
    counts = Counter(player.move(view_after([], [])) for _ in range(2000))
    assert counts.most_common(1)[0][1] / 2000 > 0.45


@pytest.mark.parametrize("kind", sorted(PLAYER_TYPES))
def test_same_seed_plays_the_same_game(kind: str) -> None:
    games = [play_game(make_player(kind, random.Random(42)), fallback_bot, "seeded-game") for _ in range(2)]
    assert games[0].view.user_moves == games[1].view.user_moves
    assert games[0].winner is not None


@pytest.mark.parametrize("kind", DETERMINISTIC_TYPES)
def test_deterministic_types_ignore_the_rng_after_their_first_move(kind: str) -> None:
    view = view_after([R, P, S, R], [P, P, R, S])
    player = make_player(kind, random.Random(5))
    assert len({player.move(view) for _ in range(20)}) == 1


def test_unknown_player_type_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="known: human"):
        make_player("grandma", random.Random(0))


def test_view_results_are_from_the_players_side() -> None:
    assert view_after([R], [S]).results == (Result.WIN,)
