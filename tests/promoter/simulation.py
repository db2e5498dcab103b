"""The repeated-decision process on simulated paired games, through the real `decide`.

Round model (documented in docs/operations.md, "Promotion"): in each model round Production's
policy wins, draws or loses (bot side) with `RoundModel.bot_win`, `draw` and the rest; B plays
the same move with probability `agreement` (then the same outcome and points), otherwise one of
the two other moves, which against the same player move gives one of the two other outcomes.
`advantage` moves that share of all rounds to "B wins" from rounds B would have drawn or lost,
in proportion, only where the two policies differ: B then wins `advantage` more of the same
rounds. A winning move earns, and a losing one costs, one of the round's three values
(1.0, base, base + 0.5 with base in 1.1..1.5). A game has 8 to 16 model rounds (about 12, as in
bench/results.md). Live games: each game is served by B with probability `b_share` and won by
the bot with probability `live_win` (+ `live_edge` for B).

Each cycle the family gets `games_per_cycle` games, all of them paired evidence (every alias
predicts every round); then the promoter decides. When B is rejected the next challenger (of
the same quality) takes B, up to `challengers` in all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.promoter.decision import DEFAULT_RULE, Rule, decide
from services.promoter.evidence import Evidence
from services.promoter.ledger import Action, AliasMap
from services.promoter.stats import Sums, Tally
from shared.features import Alias, Family

FAMILY = Family.XGBOOST
BASES = np.array([1.1, 1.2, 1.3, 1.4, 1.5])
WIN, DRAW, LOSE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class RoundModel:
    bot_win: float = 0.55
    draw: float = 0.20
    agreement: float = 0.75
    advantage: float = 0.0
    min_rounds: int = 8
    max_rounds: int = 16
    b_share: float = 0.5
    live_win: float = 0.80
    live_edge: float = 0.0

    def joint(self) -> np.ndarray:
        """P(Production's outcome, B's outcome), 3 x 3 over (win, draw, lose)."""
        marginal = np.array([self.bot_win, self.draw, 1.0 - self.bot_win - self.draw])
        off = np.outer(marginal, marginal)
        np.fill_diagonal(off, 0.0)
        off *= (1.0 - self.agreement) / off.sum()
        joint = off + np.diag(marginal - off.sum(axis=1))
        # B's extra wins come from rounds where Production did not win and B differs from it.
        to_draw_row = self.advantage * marginal[DRAW] / (marginal[DRAW] + marginal[LOSE])
        to_lose_row = self.advantage - to_draw_row
        joint[LOSE, DRAW] -= to_draw_row  # Production lost, B drew -> B wins
        joint[LOSE, WIN] += to_draw_row
        joint[DRAW, LOSE] -= to_lose_row  # Production drew, B lost -> B wins
        joint[DRAW, WIN] += to_lose_row
        if (joint < 0).any():
            raise ValueError(f"advantage {self.advantage} too large for this round model")
        return joint


def _values(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    base = BASES[rng.integers(0, len(BASES), shape)]
    kind = rng.integers(0, 3, shape)
    return np.where(kind == 0, 1.0, np.where(kind == 1, base, base + 0.5))


def _score(outcome: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.where(outcome == WIN, values, np.where(outcome == LOSE, -values, 0.0))


def paired_games(model: RoundModel, games: int, rng: np.random.Generator) -> np.ndarray:
    """Per-game sums of (B's round points − Production's) for `games` games."""
    shape = (games, model.max_rounds)
    cells = rng.choice(9, size=shape, p=model.joint().ravel())
    prod, b = cells // 3, cells % 3
    shared, own = _values(rng, shape), _values(rng, shape)
    score_p = _score(prod, shared)
    score_b = np.where(prod == b, score_p, _score(b, own))
    rounds = rng.integers(model.min_rounds, model.max_rounds + 1, games)
    played = np.arange(model.max_rounds)[None, :] < rounds[:, None]
    return np.asarray(((score_b - score_p) * played).sum(axis=1))


@dataclass(frozen=True, slots=True)
class Run:
    promoted_after: int | None  # games of the family when a challenger was promoted (first time)
    rejections: int
    games: int  # games simulated


def simulate(
    model: RoundModel,
    rng: np.random.Generator,
    cycles: int,
    games_per_cycle: int,
    rule: Rule = DEFAULT_RULE,
    challengers: int = 1,
) -> Run:
    """Production is version 1, B version 2; stops at the first promotion or when no challenger is left."""
    evidence = Evidence()
    aliases: AliasMap = {Alias.PRODUCTION: 1, Alias.B: 2, Alias.SHADOW1: None, Alias.SHADOW2: None}
    diffs, live_b, live_p = Sums(), Tally(), Tally()
    rejections = games = 0
    for _ in range(cycles):
        x = paired_games(model, games_per_cycle, rng)
        served_b = rng.random(games_per_cycle) < model.b_share
        won = rng.random(games_per_cycle) < model.live_win + np.where(served_b, model.live_edge, 0.0)
        games += games_per_cycle
        diffs = Sums(diffs.n + len(x), diffs.total + float(x.sum()), diffs.squares + float((x * x).sum()))
        b_wins, b_games = int((won & served_b).sum()), int(served_b.sum())
        p_wins, p_games = int((won & ~served_b).sum()), games_per_cycle - b_games
        live_b = Tally(live_b.wins + b_wins, live_b.losses + b_games - b_wins)
        live_p = Tally(live_p.wins + p_wins, live_p.losses + p_games - p_wins)
        b = aliases[Alias.B] or 0
        pair = evidence.pair_for(FAMILY, 1, b)
        pair.diffs, pair.high_served, pair.low_served = diffs, live_b, live_p
        decision = decide(FAMILY, aliases, evidence, rule)
        if decision.action is Action.PROMOTE:
            return Run(games, rejections, games)
        if decision.action is Action.REJECT:
            rejections += 1
            if rejections >= challengers:
                return Run(None, rejections, games)
            aliases = {**aliases, Alias.B: b + 1}  # the next challenger, fresh evidence
            diffs, live_b, live_p = Sums(), Tally(), Tally()
    return Run(None, rejections, games)
