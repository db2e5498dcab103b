"""The mnlogit expert columns: their values, what they let a linear model learn, and the artifact."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from services.simulator.arena import fallback_bot, play_game
from services.simulator.players import make_player
from shared.features import FEATURE_COUNT, Family, GameRounds, build_dataset, deterministic_round_points
from shared.features.experts import EXPERT_COUNT, expert_features
from shared.models import XY, fit_family, load_artifact, params_for
from shared.models.errors import ContractMismatchError
from shared.models.mnlogit import MNLogitModel, softmax

ROCK, PAPER, SCISSORS = 0, 1, 2
COPY_RIGHT_LAST, COPY_RIGHT_BEFORE, COPY_RIGHT_BOTH = (
    27,
    30,
    33,
)  # hypothesis 4 (copy the bot), 9 columns each


def _row(user: list[int], bot: list[int], step_no: int = 8) -> np.ndarray:
    """A feature row with the given moves at lags -1, -2, -3 (the other columns do not matter here)."""
    row = np.zeros((1, FEATURE_COUNT))
    for k, (u, b) in enumerate(zip(user, bot, strict=True)):
        row[0, 3 * k + u] = 1.0
        row[0, 9 + 3 * k + b] = 1.0
    row[0, 48] = step_no
    return row


def test_copy_hypothesis_columns_predict_the_bots_last_move_when_it_was_right() -> None:
    # Bot scissors, rock, paper (oldest first); the player copied it twice: scissors, rock.
    row = _row(user=[ROCK, SCISSORS, PAPER], bot=[PAPER, ROCK, SCISSORS])
    cols = expert_features(row)[0]
    assert cols.shape == (EXPERT_COUNT,)
    paper = [0.0, 1.0, 0.0]
    for start in (COPY_RIGHT_LAST, COPY_RIGHT_BEFORE, COPY_RIGHT_BOTH):
        assert cols[start : start + 3].tolist() == paper


def test_copy_hypothesis_columns_are_zero_when_it_was_wrong() -> None:
    row = _row(user=[PAPER, PAPER, PAPER], bot=[PAPER, ROCK, SCISSORS])
    cols = expert_features(row)[0]
    assert not cols[COPY_RIGHT_LAST : COPY_RIGHT_BOTH + 3].any()


def test_rows_without_history_have_no_expert_columns() -> None:
    assert not expert_features(np.zeros((1, FEATURE_COUNT))).any()


def _games(kinds: list[str], n: int, seed: str) -> XY:
    rounds = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        game_id = f"{seed}-{i}"
        view = play_game(make_player(kind, random.Random(f"{seed}:{i}")), fallback_bot, game_id).view
        points = [deterministic_round_points(game_id, r) for r in range(1, len(view.user_moves) + 1)]
        rounds.append(GameRounds.from_rounds(view.user_moves, view.bot_moves, points))
    data = build_dataset(rounds)
    return XY.of(data.features, data.labels)


@pytest.fixture(scope="module")
def copy_and_beat_last() -> tuple[XY, XY, XY]:
    """Copy and beat-last players: the same bot lag, different rules; only the history tells them apart."""
    return (
        _games(["copy", "beat_last"], 120, "train"),
        _games(["copy", "beat_last"], 40, "val"),
        _games(["copy"], 30, "test"),
    )


def _fit(data: tuple[XY, XY, XY], experts: bool) -> MNLogitModel:
    params = params_for(Family.MNLOGIT, {"c_path": (0.1, 1.0, 10.0), "expert_features": experts})
    model = fit_family(Family.MNLOGIT, data[0], data[1], params)
    assert isinstance(model, MNLogitModel)
    return model


def test_expert_columns_let_the_model_recognise_the_copy_player(
    copy_and_beat_last: tuple[XY, XY, XY],
) -> None:
    test = copy_and_beat_last[2]
    true_move = np.arange(len(test))
    with_experts = _fit(copy_and_beat_last, experts=True).predict_proba(test.x)[true_move, test.y]
    without = _fit(copy_and_beat_last, experts=False).predict_proba(test.x)[true_move, test.y]
    assert with_experts.mean() > 0.9
    assert without.mean() < 0.7  # a linear map of the raw lags cannot tell copy from beat-last


def test_served_logits_equal_the_linear_map_of_the_expanded_row(
    copy_and_beat_last: tuple[XY, XY, XY],
) -> None:
    model = _fit(copy_and_beat_last, experts=True)
    assert model.expert_weights is not None
    x = copy_and_beat_last[2].x
    rows = x.astype(np.float64)
    expanded = np.hstack([rows, expert_features(rows)])
    expected = softmax(expanded @ np.vstack([model.weights, model.expert_weights]) + model.bias)
    np.testing.assert_allclose(model.predict_proba(x), expected, rtol=1e-10)
    np.testing.assert_allclose(model.predict_proba(x[:1]), expected[:1], rtol=1e-10)


def test_save_and_load_give_identical_probabilities(
    copy_and_beat_last: tuple[XY, XY, XY], tmp_path: Path
) -> None:
    model = _fit(copy_and_beat_last, experts=True)
    model.save(tmp_path)
    with np.load(tmp_path / "model.npz") as npz:
        assert npz["W"].shape == (FEATURE_COUNT, 3) and npz["W_expert"].shape == (EXPERT_COUNT, 3)
    x = copy_and_beat_last[2].x
    np.testing.assert_array_equal(load_artifact(tmp_path).predict_proba(x), model.predict_proba(x))


def test_a_model_without_experts_saves_no_expert_weights(
    copy_and_beat_last: tuple[XY, XY, XY], tmp_path: Path
) -> None:
    _fit(copy_and_beat_last, experts=False).save(tmp_path)
    with np.load(tmp_path / "model.npz") as npz:
        assert "W_expert" not in npz


def test_expert_weights_of_the_wrong_shape_are_refused() -> None:
    with pytest.raises(ValueError, match="W_expert"):
        MNLogitModel(
            np.zeros((FEATURE_COUNT, 3)),
            np.zeros(3),
            params_for(Family.MNLOGIT),
            expert_weights=np.zeros((EXPERT_COUNT - 1, 3)),
        )


def test_expert_weights_saved_for_other_columns_are_refused_at_load(
    copy_and_beat_last: tuple[XY, XY, XY], tmp_path: Path
) -> None:
    """The columns are code, not data: an artifact fitted on another definition of them must not be
    served with this one's (its weights would mean other things)."""
    _fit(copy_and_beat_last, experts=True).save(tmp_path)
    path = tmp_path / "model.npz"
    with np.load(path) as npz:
        arrays = dict(npz)
    arrays["experts_hash"] = np.array("0123456789abcdef")
    np.savez(path, **arrays)
    with pytest.raises(ContractMismatchError, match="expert weights"):
        load_artifact(tmp_path)
