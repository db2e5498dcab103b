"""The human-like population: fitted from the data, reproduces its statistics, and is exploitable."""

from __future__ import annotations

import csv
import json
import random
import uuid
from collections import Counter
from pathlib import Path

import pytest

from services.simulator.arena import fallback_bot, oracle_bot, play_game
from services.simulator.fit_human import fit
from services.simulator.human import HUMAN_MODEL_PATH, OUTCOMES, SHIFTS, HumanPlayer, load_human_model
from services.simulator.view import GameView
from shared.features import MOVES, Winner, deterministic_round_points, ranked_moves, round_result
from tests.conftest import service_unavailable

# The team's shared folder sits beside the repository (in CI too).
DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "human_rps_v2.csv"


def test_committed_model_is_what_the_fit_produces() -> None:
    if not DATA.exists():
        service_unavailable(f"the source data is not on this machine: {DATA}")
    with DATA.open(newline="") as f:
        refit = json.loads(json.dumps(fit(csv.DictReader(f))))
    assert refit == json.loads(HUMAN_MODEL_PATH.read_text())


def test_every_profile_row_is_a_distribution() -> None:
    model = load_human_model()
    assert len(model.profiles) > 100
    for table in (model.population, *model.profiles):
        for row in table:
            for cell in row:
                assert sum(cell) == pytest.approx(1.0, abs=2e-3)
                assert min(cell) > 0


def test_population_reproduces_the_datas_stay_and_shift_rates() -> None:
    """Without the chase (which the data cannot show), simulated people shift like the real ones."""
    model = load_human_model()
    rng = random.Random(7)
    counts = {o: Counter() for o in OUTCOMES}
    for _ in range(600):
        player = HumanPlayer(model, rng, chase=0.0)
        view = GameView(round_no=1, points=deterministic_round_points("g", 1))
        for _ in range(40):  # random opponent, as many rounds as a long game
            user, bot = player.move(view), rng.choice(MOVES)
            if view.user_moves:
                counts[view.results[-1].value][SHIFTS[(user.ordinal - view.user_moves[-1].ordinal) % 3]] += 1
            view = view.after(user, bot, round_result(user, bot), 0.0, 0.0, view.points)
    for outcome in OUTCOMES:
        total = sum(counts[outcome].values())
        for shift in SHIFTS:
            expected = model.data_shift_rates[outcome][shift]
            assert counts[outcome][shift] / total == pytest.approx(expected, abs=0.03), (outcome, shift)


def test_chase_plays_the_top_valued_move() -> None:
    player = HumanPlayer(load_human_model(), random.Random(0), chase=1.0)
    view = GameView(round_no=1, points=deterministic_round_points("g", 1))
    assert player.move(view) is ranked_moves(view.points)[0]


def test_profiles_differ_between_players() -> None:
    model = load_human_model()
    habits = {id(HumanPlayer(model, random.Random(seed)).habits) for seed in range(20)}
    assert len(habits) > 10


def test_oracle_beats_human_like_players_and_the_degraded_bot_does_not() -> None:
    """The premise of the closed loop: the players' habits are exploitable by a bot that knows them."""
    model = load_human_model()
    rng = random.Random(11)
    wins = Counter()
    games = 300
    for _ in range(games):
        game_id = str(uuid.UUID(int=rng.getrandbits(128)))
        seed = rng.random()
        oracle_player = HumanPlayer(model, random.Random(seed))
        degraded_player = HumanPlayer(model, random.Random(seed))
        wins["oracle"] += (
            play_game(oracle_player, oracle_bot(oracle_player.distribution), game_id).winner is Winner.BOT
        )
        wins["degraded"] += play_game(degraded_player, fallback_bot, game_id).winner is Winner.BOT
    assert wins["oracle"] / games > 0.8
    assert wins["degraded"] / games < 0.55
