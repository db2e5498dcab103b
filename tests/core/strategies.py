"""Hypothesis strategies for the game core."""

from __future__ import annotations

from hypothesis import strategies as st

from shared.features import MOVES, Move, RoundPoints, deterministic_round_points, score_round

game_ids = st.uuids().map(str)
moves = st.sampled_from(MOVES)


@st.composite
def played_games(
    draw: st.DrawFn, max_rounds: int = 60
) -> tuple[str, list[Move], list[Move], list[RoundPoints]]:
    """A legal game prefix: random moves, stopping when someone reaches 10 points."""
    game_id = draw(game_ids)
    n = draw(st.integers(min_value=0, max_value=max_rounds))
    users: list[Move] = []
    bots: list[Move] = []
    points: list[RoundPoints] = []
    user_score = bot_score = 0.0
    for round_no in range(1, n + 1):
        values = deterministic_round_points(game_id, round_no)
        user, bot = draw(moves), draw(moves)
        outcome = score_round(user, bot, values, user_score, bot_score)
        users.append(user)
        bots.append(bot)
        points.append(values)
        user_score, bot_score = outcome.user_score, outcome.bot_score
        if outcome.finished:
            break
    return game_id, users, bots, points
