"""Bot quality: game win rate of each policy against each simulated player type.

A private stack (real Redis, gameplay, inference, RQ worker jobs, MLflow sqlite store) starts
empty; a mix of every player type plays the degraded bot, the trainer and promoter jobs run
(BENCH_BOTS_CYCLES > 1 repeats this against the model-driven bots; the new versions then only
enter as shadow2). Then every policy plays every player type
(is_test games, kept out of training). Targets (issue 7): ≥ 90% of games against each
deterministic classic strategy, ≥ 65% against the human-like population, ≥ 45% against
uniform random.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import tempfile
import time
import uuid
from pathlib import Path

from services.simulator.arena import fallback_bot, oracle_bot, play_game
from services.simulator.human import HumanPlayer, load_human_model
from services.simulator.mix import Mix, parse_mix
from services.simulator.players import DETERMINISTIC_TYPES, PLAYER_TYPES, Player, make_player
from services.simulator.runner import POLICY_NAMES, SimulationResult, bot_win_rate, simulate
from services.simulator.view import GameView
from shared.features import MOVES, POLICIES, Move, Winner
from tests.conftest import RedisServer
from tests.e2e.stack import LocalStack

# Per training cycle. 4000 rather than 2000: the adaptive counter player needs more examples than
# the fixed strategies (in-process, 2000 → 4000 games lifted the tree families ~2-4 points against it).
TRAIN_GAMES = int(os.environ.get("BENCH_BOTS_TRAIN_GAMES", "4000"))
# One cycle: the first trained version of a family takes every alias; later ones enter as shadow2 and
# reach Production only on live A/B evidence, which this benchmark does not play out.
TRAIN_CYCLES = int(os.environ.get("BENCH_BOTS_CYCLES", "1"))
EVAL_GAMES = int(os.environ.get("BENCH_BOTS_EVAL_GAMES", "100"))  # per policy and player type
ARENA_GAMES = 2000
CONCURRENCY = 6
# Human-like players dominate, as in production; every classic strategy is there to be learned.
TRAIN_MIX = "human:40,random:5,biased:5,constant:5,cycle:5,copy:10,beat_last:5,wsls:10,counter:15"
TARGETS = {**dict.fromkeys(DETERMINISTIC_TYPES, 0.90), "human": 0.65, "random": 0.45}


def _play(
    stack: LocalStack, games: int, mix: Mix, seed: int, *, policies: list[str] | None = None
) -> SimulationResult:
    chosen = policies or POLICY_NAMES
    url, token = stack.gameplay_url, stack.token  # trusted load: not rate-limited
    result = asyncio.run(
        simulate(url, games, mix, concurrency=CONCURRENCY, seed=seed, policies=chosen, internal_token=token)
    )
    if result.errors:
        raise RuntimeError(f"{len(result.errors)} games failed, first: {result.errors[0]}")
    return result


def _arena_reference() -> tuple[float, float]:
    """In-process: the degraded bot's and an all-knowing oracle's win rate against the human-like players."""
    model, rng = load_human_model(), random.Random(5)
    wins = {"degraded": 0, "oracle": 0}
    for _ in range(ARENA_GAMES):
        game_id, seed = str(uuid.UUID(int=rng.getrandbits(128))), rng.random()
        player = HumanPlayer(model, random.Random(seed))
        wins["oracle"] += play_game(player, oracle_bot(player.distribution), game_id).winner is Winner.BOT
        player = HumanPlayer(model, random.Random(seed))
        wins["degraded"] += play_game(player, fallback_bot, game_id).winner is Winner.BOT
    return wins["degraded"] / ARENA_GAMES, wins["oracle"] / ARENA_GAMES


def _counter_oracle() -> float:
    """In-process: a bot that knows the counter player's next move (its rule is deterministic)."""
    rng, wins = random.Random(6), 0
    for _ in range(ARENA_GAMES // 4):
        game_id = str(uuid.UUID(int=rng.getrandbits(128)))
        player = make_player("counter", random.Random(rng.random()))

        def knows(view: GameView, player: Player = player) -> dict[Move, float]:
            predicted = player.move(view)
            return {m: float(m is predicted) for m in MOVES}

        wins += play_game(player, oracle_bot(knows), game_id).winner is Winner.BOT
    return wins / (ARENA_GAMES // 4)


def _model_share(result: SimulationResult) -> float:
    model = sum(r.bot_sources["model"] for r in result.records)
    return model / max(1, model + sum(r.bot_sources["fallback"] for r in result.records))


def run() -> str:
    started = time.perf_counter()
    degraded_ref, oracle_ref = _arena_reference()
    counter_oracle = _counter_oracle()
    policies = [p.name for p in POLICIES]
    rates: dict[tuple[str, str], float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-bots-") as tmp:
        redis = RedisServer(Path(tmp))
        redis.start()
        stack = LocalStack(Path(tmp), redis.url)
        try:
            stack.start()
            train_rates = []
            for cycle in range(TRAIN_CYCLES):
                result = _play(stack, TRAIN_GAMES, parse_mix(TRAIN_MIX), seed=100 + cycle)
                train_rates.append(
                    f"{bot_win_rate(result.records):.0%} ({_model_share(result):.0%} model moves)"
                )
                stack.run_jobs("train", "promote")
            time.sleep(5)  # inference reloads on the promoter's AliasesChanged event
            model_share = 1.0
            for kind in PLAYER_TYPES:
                for policy in policies:
                    result = _play(stack, EVAL_GAMES, parse_mix(kind), seed=7, policies=[policy])
                    rates[(kind, policy)] = bot_win_rate(result.records)
                    model_share = min(model_share, _model_share(result))
        finally:
            stack.stop()
            redis.stop()

    half = 1.96 * math.sqrt(0.25 / EVAL_GAMES)
    lines = [
        "## Bot quality: game win rate by policy and player type",
        "",
        f"Fresh stack; {TRAIN_CYCLES} training cycle(s) of {TRAIN_GAMES} games each, mix `{TRAIN_MIX}` "
        f"(bot win rate while collecting: {', '.join(train_rates)}); then {EVAL_GAMES} games per cell "
        f"(is_test; 95% interval at most ±{half:.0%}). Lowest model-driven share of bot moves after the "
        f"opening in any cell: {model_share:.0%}. Took {time.perf_counter() - started:.0f} s.",
        "",
        "| player | " + " | ".join(policies) + " | target | met |",
        "|---|" + "---:|" * len(policies) + "---:|---|",
    ]
    for kind in PLAYER_TYPES:
        cells = [rates[(kind, p)] for p in policies]
        target = TARGETS.get(kind)
        met = "" if target is None else ("yes" if min(cells) >= target else "**no**")
        shown = "—" if target is None else f"≥ {target:.0%}"
        lines.append(f"| {kind} | " + " | ".join(f"{c:.0%}" for c in cells) + f" | {shown} | {met} |")
    lines += [
        "",
        f"Reference, in-process arena against the human-like population ({ARENA_GAMES} games): "
        f"degraded bot {degraded_ref:.0%}, oracle that knows each player's habits {oracle_ref:.0%}. "
        f"Against the counter player ({ARENA_GAMES // 4} games) an oracle that knows its rule wins "
        f"{counter_oracle:.0%}: the rule is deterministic given the bot's moves (ties go to rock, paper, "
        "scissors in that order). The models see it through the 50 features and learn every player type "
        "at once. On the 50 alone, in-process on this mix, the linear family (logan) reached 74% against "
        "it and 80% against copy (one linear map of the move one-hots cannot tell which rule a player "
        "follows); with the expert columns of `shared.features.experts` (rule hypotheses gated by their "
        "recent accuracy, and a transition memory) logan reaches 91-93% and 100%, and XGBoost (forrest), "
        "which also splits on them, 96% against counter instead of 90% (400 games).",
    ]
    return "\n".join(lines)
