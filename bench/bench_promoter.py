"""Promoter: the incremental evidence fold, and the promotion rule simulated over many seeded runs.

1. A SQLite event store is filled with games as gameplay writes them (12 model rounds, four
   aliases predicting every round); the first cycle folds the whole log, a later cycle only the
   games appended since (the checkpoint), whatever the age of the log.
2. tests/promoter/simulation.py (the round model is described there and in docs/operations.md):
   power — a challenger winning 2 points more of the same rounds, games until promotion; false
   swaps — equal models over a 24-hour horizon of cycles (PROMOTE_EVERY_S = 120 s).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from services.promoter.decision import Rule, decide
from services.promoter.ledger import AliasMap
from services.promoter.source import load_evidence
from shared.events import EventStore
from shared.features import FAMILIES, MOVES, Alias
from tests.promoter.builders import GameLog, prediction
from tests.promoter.simulation import RoundModel, simulate

GAMES = 2000
NEW_GAMES = 100
ROUNDS = 12
MIX_GAMES = 3000
FAMILY_GAMES = MIX_GAMES // len(FAMILIES)
DAY_CYCLES = 24 * 3600 // 120
TRAFFIC = 111  # games per family per 120 s cycle: the 9,100 games in 41 minutes
POWER_RUNS = 500
SWAP_RUNS = 1000
LONG_RUNS = 200


def _fill(store: EventStore, rng: np.random.Generator, games: int, tag: str) -> int:
    events = 0
    for g in range(games):
        family = FAMILIES[g % len(FAMILIES)]
        alias = "Production" if g % 2 else "B"
        game = GameLog(f"{tag}{g}", family, alias, 1 if g % 2 else 2).start()
        for _ in range(ROUNDS):
            preds = {}
            for i, a in enumerate(Alias):
                p = rng.dirichlet(np.ones(3))
                preds[a.value] = prediction(i + 1, float(p[0]), float(p[1]), float(p[2]))
            game.round(MOVES[int(rng.integers(3))], MOVES[int(rng.integers(3))], preds)
        game.finish("bot" if rng.random() < 0.5 else "user")
        store.append(game.events)
        events += len(game.events)
    return events


def _fold_rows() -> list[str]:
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        store = EventStore.from_url(f"sqlite:///{Path(tmp) / 'rps.db'}")
        events = _fill(store, rng, GAMES, "g")
        start = time.perf_counter()
        evidence = load_evidence(store)
        full_s = time.perf_counter() - start
        new_events = _fill(store, rng, NEW_GAMES, "n")
        start = time.perf_counter()
        evidence = load_evidence(store)
        incremental_s = time.perf_counter() - start
        start = time.perf_counter()
        load_evidence(store)
        idle_ms = (time.perf_counter() - start) * 1000
        aliases: AliasMap = {Alias.PRODUCTION: 1, Alias.B: 2, Alias.SHADOW1: 3, Alias.SHADOW2: 4}
        start = time.perf_counter()
        for family in FAMILIES:
            decide(family, aliases, evidence)
        decide_ms = (time.perf_counter() - start) * 1000 / len(FAMILIES)
        state_kb = len(store.checkpoints.load("promoter.evidence").state) / 1024
        store.close()
    return [
        f"| first cycle: fold the whole log ({events:,} events) | {full_s:.2f} s "
        f"({events / full_s:,.0f} events/s) |",
        f"| next cycle: fold the {new_events:,} events appended since | {incremental_s * 1000:.0f} ms |",
        f"| a cycle with nothing new | {idle_ms:.1f} ms |",
        f"| `decide`, one family | {decide_ms:.2f} ms |",
        f"| checkpoint state (JSON, 4 families, 6 pairs each) | {state_kb:.1f} KiB |",
    ]


def _power(model: RoundModel, runs: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    found = [simulate(model, rng, cycles=FAMILY_GAMES // 25 * 4, games_per_cycle=25) for _ in range(runs)]
    games = [r.promoted_after for r in found if r.promoted_after is not None]
    within = sum(1 for g in games if g <= FAMILY_GAMES) / runs
    return within, float(np.median(games)) if games else float("nan")


def _false_swaps(
    runs: int, seed: int, rule: Rule, per_cycle: int, challengers: int = 1
) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    found = [simulate(RoundModel(), rng, DAY_CYCLES, per_cycle, rule, challengers) for _ in range(runs)]
    return sum(1 for r in found if r.promoted_after is not None) / runs, float(
        np.mean([r.rejections for r in found])
    )


def _simulation_rows() -> list[str]:
    rows = []
    for agreement in (0.65, 0.75, 0.85):
        for share, label in ((0.5, "fixed split 0.5"), (0.1, "bandit floor 0.1")):
            within, median = _power(
                RoundModel(advantage=0.02, agreement=agreement, b_share=share), POWER_RUNS, 11
            )
            rows.append(
                f"| power | agreement {agreement:.2f}, B gets {label} | {within:.1%} promoted within "
                f"{MIX_GAMES:,} mix games ({FAMILY_GAMES} of the family) | median {median:,.0f} family games "
                f"(≈ {median * len(FAMILIES):,.0f} mix games) |"
            )
    rate, rejections = _false_swaps(SWAP_RUNS, 7, Rule(), TRAFFIC)
    rows.append(
        f"| false swaps | equal models, one challenger, 24 h of cycles at {TRAFFIC} games/cycle | "
        f"{rate:.1%} of {SWAP_RUNS} runs | every test decided (mean rejections {rejections:.2f}) |"
    )
    no_reject = Rule(meaningful=float("-inf"), max_paired_games=10**9)
    rate, _ = _false_swaps(LONG_RUNS, 8, no_reject, 28)
    rows.append(
        f"| false swaps | equal models, the sequence alone (never rejects), 24 h at 28 games/cycle "
        f"(20,160 games) | {rate:.1%} of {LONG_RUNS} runs | bound: α/2 = 5 % |"
    )
    rate, rejections = _false_swaps(LONG_RUNS, 9, Rule(), 28, challengers=20)
    rows.append(
        f"| false swaps | a new equal challenger after each rejection, 24 h at 28 games/cycle | "
        f"{rate:.1%} of {LONG_RUNS} runs | {rejections:.1f} tests a day; each is one more chance |"
    )
    return rows


def run() -> str:
    fold = _fold_rows()
    simulation = _simulation_rows()
    return "\n".join(
        [
            "## Promoter",
            "",
            "Incremental evidence (the `promoter.evidence` reader checkpoint) on a SQLite log of "
            f"{GAMES:,} games ({ROUNDS} model rounds, 4 predictions each), then {NEW_GAMES} more:",
            "",
            "| measure | value |",
            "|---|---|",
            *fold,
            "",
            "The rule simulated (tests/promoter/simulation.py, the real `decide`; round model: the bot",
            "wins 55 %, draws 20 % of Production's rounds, 8-16 model rounds a game; `agreement` = share",
            "of rounds where B's policy plays Production's move). Power: a B winning 2 points more of the",
            "same rounds, a cycle every 25 family games.",
            "",
            "| figure | scenario | result | note |",
            "|---|---|---|---|",
            *simulation,
        ]
    )


if __name__ == "__main__":
    print(run())
