"""Promoter: folding the event log into evidence (every cycle reads the whole log) and deciding.

A SQLite event store is filled with games like gameplay writes them (12 model rounds each, four
aliases predicting every round); then `load_evidence` and `decide` for the four families are timed.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from services.promoter.decision import decide
from services.promoter.ledger import AliasMap, FamilyHistory
from services.promoter.source import load_evidence
from shared.events import EventStore
from shared.features import FAMILIES, MOVES, Alias
from tests.promoter.builders import GameLog, prediction

GAMES = 2000
ROUNDS = 12
TARGET_FOLD_EVENTS_PER_S = 10_000  # a cycle every few minutes over ~1M events stays under 2 minutes


def _fill(store: EventStore, rng: np.random.Generator) -> int:
    events = 0
    for g in range(GAMES):
        family = FAMILIES[g % len(FAMILIES)]
        alias = "Production" if g % 2 else "B"
        game = GameLog(f"g{g}", family, alias, 1 if g % 2 else 2).start()
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


def run() -> str:
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        store = EventStore.from_url(f"sqlite:///{Path(tmp) / 'rps.db'}")
        events = _fill(store, rng)
        start = time.perf_counter()
        evidence = load_evidence(store)
        fold_s = time.perf_counter() - start
        aliases: AliasMap = {Alias.PRODUCTION: 1, Alias.B: 2, Alias.SHADOW1: 3, Alias.SHADOW2: 4}
        start = time.perf_counter()
        for family in FAMILIES:
            decide(family, aliases, evidence, FamilyHistory())
        decide_ms = (time.perf_counter() - start) * 1000 / len(FAMILIES)
        store.close()
    rate = events / fold_s
    verdict = "meets" if rate >= TARGET_FOLD_EVENTS_PER_S else "MISSES"
    return "\n".join(
        [
            "## Promoter",
            "",
            f"Evidence fold over a SQLite log of {events} events ({GAMES} games, {ROUNDS} rounds each, "
            "4 predictions per round):",
            "",
            "| measure | value | target |",
            "|---|---|---|",
            f"| `load_evidence` | {fold_s:.2f} s ({rate:,.0f} events/s) "
            f"| ≥ {TARGET_FOLD_EVENTS_PER_S:,} events/s ({verdict}) |",
            f"| `decide`, one family | {decide_ms:.2f} ms | — |",
        ]
    )


if __name__ == "__main__":
    print(run())
