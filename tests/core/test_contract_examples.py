"""The core reproduces every worked example of DESIGN §2–3 (shared/contract/examples.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from shared.features import (
    FEATURE_NAMES,
    GameRounds,
    Move,
    build_dataset,
    deterministic_round_points,
    extract_features_stateless,
    score_round,
)
from shared.features.openings import OPENINGS_BY_NAME, opening_moves

EXAMPLES_PATH = Path(__file__).resolve().parents[3] / "shared" / "contract" / "examples.json"
LOCAL_COPY = Path(__file__).parent / "examples.json"


def _examples() -> dict[str, Any]:
    path = EXAMPLES_PATH if EXAMPLES_PATH.exists() else LOCAL_COPY
    return json.loads(path.read_text())


EXAMPLES = _examples()


def _named(points: dict[Move, float]) -> dict[str, float]:
    return {move.value: value for move, value in points.items()}


def test_feature_names_match_the_contract_order() -> None:
    assert list(FEATURE_NAMES) == EXAMPLES["feature_names"]


@pytest.mark.parametrize(
    "example", EXAMPLES["round_points"], ids=lambda e: f"{e['game_id'][:8]}-{e['round_no']}"
)
def test_round_points_match_examples(example: dict[str, Any]) -> None:
    assert _named(deterministic_round_points(example["game_id"], example["round_no"])) == example["points"]


@pytest.mark.parametrize("example", EXAMPLES["openings"], ids=lambda e: e["game_id"][:8])
def test_openings_resolve_like_examples(example: dict[str, Any]) -> None:
    for name, moves in example["moves"].items():
        assert [m.value for m in opening_moves(OPENINGS_BY_NAME[name], example["game_id"])] == moves, name


@pytest.mark.parametrize("game", EXAMPLES["games"], ids=lambda g: g["game_id"][:8])
def test_whole_games_score_and_featurise_like_examples(game: dict[str, Any]) -> None:
    game_id = game["game_id"]
    users: list[Move] = []
    bots: list[Move] = []
    history: list[dict[Move, float]] = []
    user_score = bot_score = 0.0
    outcome = None
    for expected in game["rounds"]:
        points = deterministic_round_points(game_id, expected["round"])
        assert _named(points) == expected["points"]
        features = extract_features_stateless(users, bots, history, points)
        np.testing.assert_allclose(features, expected["features"], atol=1e-6)
        user, bot = Move(expected["user_move"]), Move(expected["bot_move"])
        assert outcome is None or not outcome.finished, "a finished game played another round"
        outcome = score_round(user, bot, points, user_score, bot_score)
        got = (
            outcome.result.value,
            outcome.user_delta,
            outcome.bot_delta,
            outcome.user_score,
            outcome.bot_score,
        )
        want = tuple(expected[k] for k in ("result", "user_delta", "bot_delta", "user_score", "bot_score"))
        assert got == want
        user_score, bot_score = outcome.user_score, outcome.bot_score
        users.append(user)
        bots.append(bot)
        history.append(points)
    assert outcome is not None and outcome.winner is not None
    assert outcome.winner.value == game["winner"]
    dataset = build_dataset([GameRounds.from_rounds(users, bots, history)], min_round=1)
    np.testing.assert_allclose(dataset.features, [r["features"] for r in game["rounds"]], atol=1e-6)
