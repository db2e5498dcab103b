"""Fit the human-like player model from real games and write services/simulator/human_model.json.

    python -m services.simulator.fit_human ../shared/data/human_rps_v2.csv

The data (Brockbank & Vul 2024, CC0) has 300-round games of people against rule bots;
people slowly learn to exploit their bot, so only the early rounds are used. A profile
is one person's table P(next move | own last move, last outcome) (the bot's last move
follows from those two), shrunk towards the population table with a Dirichlet prior
whose strength is chosen by held-out log-likelihood. The tendency to chase a round's
high-value move cannot be fitted (the data has no round values): it is a stated assumption.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

from services.simulator.human import HUMAN_MODEL_PATH, OUTCOMES, SHIFTS
from shared.features import MOVES

FIRST_ROUND, LAST_ROUND = 2, 100  # transitions into these rounds; later, people have adapted to their bot
MIN_TRANSITIONS = 30  # a person with fewer is not a profile (still counts for the population)
ALPHA_GRID = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)
CHASE_BETA = (2.0, 6.0)  # assumption: each player chases the top-valued move with p ~ Beta(2, 6), mean 0.25
_OUTCOME = {"win": "win", "loss": "lose", "tie": "draw"}
_INDEX = {m.value: i for i, m in enumerate(MOVES)}

Counts = list[list[list[float]]]  # [last move][outcome][next move]
Transition = tuple[int, int, int, int]  # (round, last move, outcome index, next move)


def _zeros() -> Counts:
    return [[[0.0] * 3 for _ in OUTCOMES] for _ in MOVES]


def read_transitions(rows: Iterable[Mapping[str, str]]) -> tuple[dict[str, list[Transition]], list[int]]:
    """Per person, their (round, last move, last outcome, next move) transitions; and first moves."""
    by_game: dict[str, dict[int, Mapping[str, str]]] = defaultdict(dict)
    for row in rows:
        by_game[row["game_id"]][int(row["round"])] = row
    transitions: dict[str, list[Transition]] = defaultdict(list)
    first_moves: list[int] = []
    for rounds in by_game.values():
        first = rounds.get(1)
        if first is not None and first["p1_move"] in _INDEX:
            first_moves.append(_INDEX[first["p1_move"]])
        for r in range(FIRST_ROUND, LAST_ROUND + 1):
            now, before = rounds.get(r), rounds.get(r - 1)
            if now is None or before is None:
                continue
            if now["p1_move"] not in _INDEX or before["p1_move"] not in _INDEX:
                continue
            outcome = _OUTCOME.get(before["p1_outcome"])
            if outcome is None:
                continue
            transitions[now["p1_id"]].append(
                (r, _INDEX[before["p1_move"]], OUTCOMES.index(outcome), _INDEX[now["p1_move"]])
            )
    return dict(transitions), first_moves


def count(transitions: Iterable[Transition]) -> Counts:
    counts = _zeros()
    for _, last, outcome, nxt in transitions:
        counts[last][outcome][nxt] += 1
    return counts


def normalise(counts: Counts, prior: Counts | None = None, alpha: float = 0.0) -> Counts:
    table = _zeros()
    for m in range(3):
        for o in range(3):
            cell = counts[m][o]
            base = prior[m][o] if prior is not None else [1 / 3] * 3
            total = sum(cell) + alpha
            table[m][o] = [(cell[k] + alpha * base[k]) / total if total else 1 / 3 for k in range(3)]
    return table


def log_likelihood(table: Counts, transitions: Iterable[Transition]) -> float:
    return sum(math.log(table[last][o][nxt]) for _, last, o, nxt in transitions)


def choose_alpha(
    people: Mapping[str, list[Transition]], population: Counts
) -> tuple[float, dict[str, float]]:
    """The prior strength that best predicts each person's odd rounds from their even ones."""
    scores: dict[str, float] = {}
    for alpha in ALPHA_GRID:
        total = 0.0
        for rows in people.values():
            train = [t for t in rows if t[0] % 2 == 0]
            test = [t for t in rows if t[0] % 2 == 1]
            total += log_likelihood(normalise(count(train), population, alpha), test)
        scores[str(alpha)] = total
    best = max(ALPHA_GRID, key=lambda a: scores[str(a)])
    return best, scores


def shift_rates(transitions: Iterable[Transition]) -> dict[str, dict[str, float]]:
    """P(stay / up / down | last outcome): up = the move that beats one's last move."""
    counts = {o: [0, 0, 0] for o in OUTCOMES}
    for _, last, o, nxt in transitions:
        counts[OUTCOMES[o]][(nxt - last) % 3] += 1
    return {o: {SHIFTS[k]: c[k] / max(sum(c), 1) for k in range(3)} for o, c in counts.items()}


def fit(rows: Iterable[Mapping[str, str]]) -> dict[str, object]:
    """The human model as a JSON-ready dict."""
    people, first_moves = read_transitions(rows)
    everyone = [t for rows_ in people.values() for t in rows_]
    population = normalise(count(everyone))
    alpha, alpha_scores = choose_alpha(people, population)
    profiles = [
        normalise(count(rows_), population, alpha)
        for _, rows_ in sorted(people.items())
        if len(rows_) >= MIN_TRANSITIONS
    ]
    first = [first_moves.count(i) / len(first_moves) for i in range(3)]

    def rounded(table: Counts) -> Counts:
        return [[[round(p, 4) for p in cell] for cell in row] for row in table]

    return {
        "source": "human_rps_v2.csv (Brockbank & Vul 2024, CC0)",
        "rounds": [FIRST_ROUND, LAST_ROUND],
        "people": len(people),
        "transitions": len(everyone),
        "alpha": alpha,
        "alpha_heldout_loglik": {k: round(v, 1) for k, v in alpha_scores.items()},
        "first_move": [round(p, 4) for p in first],
        "population": rounded(population),
        "profiles": [rounded(p) for p in profiles],
        "chase_beta": list(CHASE_BETA),
        "data_shift_rates": {
            o: {s: round(v, 4) for s, v in rates.items()} for o, rates in shift_rates(everyone).items()
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("csv", type=Path, help="human_rps_v2.csv")
    parser.add_argument("--out", type=Path, default=HUMAN_MODEL_PATH)
    args = parser.parse_args(argv)
    with args.csv.open(newline="") as f:
        model = fit(csv.DictReader(f))
    args.out.write_text(json.dumps(model, separators=(",", ":")) + "\n")
    print(
        f"{model['people']} people, {model['transitions']} transitions, {len(model['profiles'])} profiles, "  # type: ignore[arg-type]
        f"alpha={model['alpha']} -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
