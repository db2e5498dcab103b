"""The closed loop, end to end, on real processes: simulate → train → promote → serve.

From an empty store (SQLite event store, MLflow sqlite store, local serving cache, a real
Redis), human-like simulated players play the degraded bot through gameplay's HTTP API; a
real RQ worker runs the trainer's and the promoter's jobs; inference picks the models up.
Then the same population plays the model-driven bots.

Statistical test: one-sided two-proportion z-test (pooled), H1: the model-driven bots win a
larger share of games than the degraded bot; reject H0 at p < 0.01. Samples: 200 games
against the degraded bot (also the training data) and 200 against the models. On the
in-process arena the degraded bot wins ~39% of games against this population and an oracle
that knows each player's habits ~95% (tests/simulator); a model at 55% is already detected
(z ≈ 3.2). Measured on 2 shared cores with 300 + 300 games: 42% vs 81%, z = 9.9, 4.5 min,
3 of them in the training job.
"""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path

import pytest

from services.simulator.mix import parse_mix
from services.simulator.runner import SimulationResult, bot_win_rate, simulate
from tests.e2e.stack import LocalStack

DEGRADED_GAMES = 200
MODEL_GAMES = 200
ALPHA = 0.01
CONCURRENCY = 4
MODELS_TIMEOUT_S = 60.0

pytestmark = pytest.mark.slow


def one_sided_two_proportion_z(wins_a: int, n_a: int, wins_b: int, n_b: int) -> tuple[float, float]:
    """z and p for H1: p_a > p_b, with the pooled standard error."""
    pooled = (wins_a + wins_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    z = (wins_a / n_a - wins_b / n_b) / se
    return z, 0.5 * math.erfc(z / math.sqrt(2))


def test_z_test_matches_a_known_value() -> None:
    z, p = one_sided_two_proportion_z(60, 100, 45, 100)
    assert z == pytest.approx(2.12398, abs=1e-4)  # scipy.stats.norm.sf gives p for this z
    assert p == pytest.approx(0.016836, abs=1e-5)


def play(stack: LocalStack, games: int, seed: int, is_test: bool) -> SimulationResult:
    result = asyncio.run(
        simulate(
            stack.gameplay_url,
            games,
            parse_mix("human"),
            concurrency=CONCURRENCY,
            seed=seed,
            is_test=is_test,
            internal_token=stack.token,  # trusted load: not rate-limited
        )
    )
    assert not result.errors, result.errors[:5]
    return result


def model_share(result: SimulationResult) -> float:
    model = sum(r.bot_sources["model"] for r in result.records)
    fallback = sum(r.bot_sources["fallback"] for r in result.records)
    return model / max(1, model + fallback)


def wait_until_model_driven(stack: LocalStack) -> None:
    """Inference loads the promoted models from the serving cache after the promoter's event."""
    deadline = time.monotonic() + MODELS_TIMEOUT_S
    while time.monotonic() < deadline:
        probe = play(stack, 4, seed=99, is_test=True)
        if model_share(probe) == 1.0:
            return
        time.sleep(2)
    log = stack.log_tail("inference")
    pytest.fail(f"bots still not model-driven {MODELS_TIMEOUT_S:.0f} s after promotion:\n{log}")


def test_models_trained_on_simulated_games_beat_human_like_players(redis_url: str, tmp_path: Path) -> None:
    stack = LocalStack(tmp_path, redis_url)
    stack.start()
    try:
        t0 = time.monotonic()
        degraded = play(stack, DEGRADED_GAMES, seed=1, is_test=False)
        assert model_share(degraded) == 0.0  # empty store: every bot move after the opening is the fallback
        t1 = time.monotonic()
        stack.run_jobs("train", "promote")
        wait_until_model_driven(stack)
        t2 = time.monotonic()
        served = play(stack, MODEL_GAMES, seed=2, is_test=True)
        assert model_share(served) > 0.99
        t3 = time.monotonic()
        print(f"simulate {t1 - t0:.0f} s, train+promote+reload {t2 - t1:.0f} s, serve {t3 - t2:.0f} s")
    finally:
        stack.stop()

    n_d, n_m = len(degraded.records), len(served.records)
    wins_d = round(bot_win_rate(degraded.records) * n_d)
    wins_m = round(bot_win_rate(served.records) * n_m)
    z, p = one_sided_two_proportion_z(wins_m, n_m, wins_d, n_d)
    summary = f"model-driven {wins_m}/{n_m} vs degraded {wins_d}/{n_d}: z={z:.2f}, one-sided p={p:.2g}"
    print(summary)
    assert p < ALPHA, summary
