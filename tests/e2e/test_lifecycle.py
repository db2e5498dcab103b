"""A challenger's whole lifecycle on real processes, the loop running by itself, then two rollbacks.

From an empty store, with inference, gameplay, the relay, the RQ worker (training), the light
promotion worker and the scheduler (promotion cycles every few seconds) running as in `make
run`, one family (mnlogit, policy `logan`) goes through: train → v1 takes every alias → the
players change habit → train (as the CronJob would) → v2 passes the gate against v1 on rows v1
never saw → waits in shadow1 → the promoter puts it into B → live A/B traffic (fixed split) →
the promoter promotes it by the production rule (its defaults) → inference serves it → a new
game gets it → `promoter rollback` restores v1 → a second rollback restores v2.

Why v2 is genuinely better: phase 1's players always play the same move (v1 learns "the
player repeats"); from phase 2 on they copy the bot's last move, which v1 cannot predict and
v2, trained on those games too, can. Measured on 2 shared cores (load 6-8), 3.2-5.9 min: a
training 20-80 s, v2 into B 1-15 s, promotion after 60 phase-3 games (51-60 paired games,
B−P about +11 points per game, lower bound about +9); the timings are printed.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from redis import Redis
from rq.job import JobStatus

from services.promoter import defaults as rule
from services.simulator.mix import parse_mix
from services.simulator.runner import SimulationResult, simulate
from services.worker.queues import fetch_job
from shared.features import Alias, Family
from shared.registry import open_client
from shared.registry.moves import registry_aliases
from tests.e2e.stack import LocalStack, StackError

pytestmark = pytest.mark.slow

FAMILY = Family.MNLOGIT
POLICY = "logan"
PROMOTE_EVERY_S = 6  # the scheduler's cycle, accelerated from 120 s
HABIT_BEFORE, HABIT_AFTER = "constant", "copy"
PHASE1_GAMES = 70  # ~700 rows: above the trainer's 300-row minimum
PHASE2_GAMES = 90  # new rows for v2, and the holdout rows v1 never saw
BATCH_GAMES = 20  # phase 3 plays in batches, looking at the ledger between them
MAX_PHASE3_GAMES = 400
CONCURRENCY = 4
JOB_TIMEOUT_S = 300.0
WAIT_S = 90.0

T = TypeVar("T")


def play(stack: LocalStack, games: int, habit: str, seed: int, is_test: bool = False) -> SimulationResult:
    result = asyncio.run(
        simulate(
            stack.gameplay_url,
            games,
            parse_mix(habit),
            concurrency=CONCURRENCY,
            policies=(POLICY,),
            is_test=is_test,
            seed=seed,
            internal_token=stack.token,  # trusted load: not rate-limited
        )
    )
    assert not result.errors, result.errors[:5]
    return result


def get_json(url: str, token: str | None = None) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def ledger(stack: LocalStack) -> list[dict[str, Any]]:
    """The family's promotion ledger, oldest first."""
    url = f"{stack.gameplay_url}/internal/promotion/history?family={FAMILY.value}"
    return list(reversed(get_json(url, stack.token)))


def served_versions(stack: LocalStack) -> dict[str, int | None]:
    slots = get_json(f"{stack.inference_url}/models")["models"].get(FAMILY.value, {})
    return {alias: slot["version"] for alias, slot in slots.items() if slot["status"] == "loaded"}


def within(stack: LocalStack, timeout_s: float, probe: Callable[[], T | None]) -> T | None:
    """Poll `probe` until it returns something, or None after `timeout_s`; every process must keep running."""
    deadline = time.monotonic() + timeout_s
    while True:
        stack.check_running()
        found = probe()
        if found is not None or time.monotonic() > deadline:
            return found
        time.sleep(1)


def wait_for(stack: LocalStack, what: str, probe: Callable[[], T | None], timeout_s: float = WAIT_S) -> T:
    """`within`, failing with the logs' tails after `timeout_s`."""
    found = within(stack, timeout_s, probe)
    if found is not None:
        return found
    tails = "\n".join(f"--- {name}\n{stack.log_tail(name, 25)}" for name in stack.processes)
    pytest.fail(f"not within {timeout_s:.0f} s: {what}\n{tails}")


def train(stack: LocalStack) -> dict[str, Any]:
    """Enqueue the family's training as the CronJob does; wait for the worker; the family's report."""
    out = stack.command("services.trainer", "train", "--family", FAMILY.value, "--enqueue")
    match = re.search(r"enqueued training job (\S+)", out)
    assert match, out
    job = fetch_job(match.group(1), Redis.from_url(stack.redis_url))

    def finished() -> dict[str, Any] | None:
        status = job.get_status(refresh=True)
        if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
            raise StackError(f"training job {status}:\n{stack.log_tail('worker', 80)}")
        return job.return_value() if status == JobStatus.FINISHED else None

    report = wait_for(stack, "the training job finishes", finished, JOB_TIMEOUT_S)
    (family,) = report["families"]
    assert family["status"] == "trained", family
    return dict(family)


def entry_where(stack: LocalStack, test: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
    return next((e for e in ledger(stack) if test(e)), None)


def production_game_version(stack: LocalStack, seed: int) -> set[str | None]:
    """Play test games until one is served by Production; the model versions its rounds report."""
    for attempt in range(20):
        (record,) = play(stack, 1, HABIT_AFTER, seed=seed + attempt, is_test=True).records
        if record.model_alias == Alias.PRODUCTION:
            rounds = get_json(f"{stack.gameplay_url}/games/{record.game_id}")["rounds"]
            return {r["model_version"] for r in rounds if r["bot_source"] == "model"}
    pytest.fail("20 new games and none served by Production")


def assert_production(stack: LocalStack, version: int, action: str) -> None:
    """Production is `version` in the ledger's last entry, in MLflow and (after its reload) in inference."""
    last = ledger(stack)[-1]
    assert (last["action"], last["after"][Alias.PRODUCTION]) == (action, version), last
    aliases = registry_aliases(open_client(stack.env["MLFLOW_TRACKING_URI"]), FAMILY)
    assert aliases[Alias.PRODUCTION] == version, aliases
    wait_for(
        stack,
        f"inference serves v{version} as Production",
        lambda: True if served_versions(stack).get(Alias.PRODUCTION) == version else None,
    )


def test_a_better_challenger_is_promoted_by_the_loop_itself_and_rollback_undoes_it(
    redis_url: str, tmp_path: Path
) -> None:
    ab = {"ENABLE_AB_TESTING": "true", "ROUTING": "fixed", "AB_SPLIT": "0.5"}
    stack = LocalStack(tmp_path, redis_url, env=ab)
    timings: dict[str, float] = {}
    mark = time.monotonic()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.monotonic()
        timings[name] = now - mark
        mark = now

    try:
        stack.start()
        stack.spawn("worker", "services.worker", "--shutdown", "cold")
        stack.spawn("promoter", "services.worker", "--queues", "promotion", "--shutdown", "cold")
        every = ("--train-every", "1e9", "--promote-every", str(PROMOTE_EVERY_S))
        stack.spawn("scheduler", "services.scheduler", "--wait-first", *every)
        lap("start")

        # Phase 1: the first version of the family takes every alias.
        play(stack, PHASE1_GAMES, HABIT_BEFORE, seed=1)
        lap("phase 1 games")
        first = train(stack)
        v1 = first["version"]
        assert first["aliases_after"] == {alias.value: v1 for alias in Alias}, first
        assert_production(stack, v1, "register")
        lap("train v1")

        # Phase 2: the habit changes; v2 is compared with v1 on rows v1 never saw, and waits.
        play(stack, PHASE2_GAMES, HABIT_AFTER, seed=2)
        lap("phase 2 games")
        second = train(stack)
        v2 = second["version"]
        gate = second["gate"]
        (versus_v1,) = gate["comparisons"]  # Production and B are both v1
        assert gate["passed"] and versus_v1["version"] == v1, gate
        assert gate["unseen_after"] is not None and versus_v1["rows"] >= 30, gate
        assert versus_v1["candidate_score"] > versus_v1["incumbent_score"], gate
        assert second["aliases_after"][Alias.SHADOW1] == v2, second
        assert second["aliases_after"][Alias.PRODUCTION] == v1, second
        lap("train v2")
        wait_for(
            stack,
            f"the promoter puts v{v2} into B",
            lambda: entry_where(stack, lambda e: e["after"].get(Alias.B) == v2),
        )
        lap("v2 into B")

        # Phase 3: traffic until the promoter, by its rule, promotes v2.
        played = 0
        promoted = None
        while promoted is None:
            assert played < MAX_PHASE3_GAMES, f"no promotion after {played} games:\n{ledger(stack)[-1]}"
            play(stack, BATCH_GAMES, HABIT_AFTER, seed=100 + played)
            played += BATCH_GAMES
            # Two cycles see the batch's games (the relay publishes, the promoter folds them).
            promoted = within(
                stack, 2 * PROMOTE_EVERY_S, lambda: entry_where(stack, lambda e: e["action"] == "promote")
            )
        lap(f"phase 3 ({played} games) to promotion")
        test = promoted["evidence"]["test"]
        assert (promoted["before"][Alias.PRODUCTION], promoted["after"][Alias.PRODUCTION]) == (v1, v2)
        assert test["challenger"] == v2 and test["incumbent"] == v1, test
        assert test["low"] > 0 and test["paired_games"] >= rule.MIN_PAIRED_GAMES, test
        assert sum(test["live_challenger"]) >= rule.MIN_LIVE_GAMES_B, test
        assert_production(stack, v2, "promote")
        assert production_game_version(stack, seed=1000) == {str(v2)}
        lap("inference and a new game serve v2")

        # Rollback restores v1; a second rollback undoes the first.
        stack.command("services.promoter", "rollback", "--family", FAMILY.value)
        assert_production(stack, v1, "rollback")
        assert v2 not in ledger(stack)[-1]["after"].values()  # the demoted version leaves every slot
        assert production_game_version(stack, seed=2000) == {str(v1)}
        stack.command("services.promoter", "rollback", "--family", FAMILY.value)
        assert_production(stack, v2, "rollback")
        assert v1 not in ledger(stack)[-1]["after"].values()
        assert production_game_version(stack, seed=3000) == {str(v2)}
        lap("two rollbacks")
    finally:
        stack.stop()
        print(", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items()))
    print(f"gate: {json.dumps(gate)}")
    print(f"promotion: {promoted['reason']}")
