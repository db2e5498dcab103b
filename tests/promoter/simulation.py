"""The whole repeated-decision process on simulated games, through the real `decide`.

Each cycle the version under Production and the one under B each finish some games
(Bernoulli with their true bot win rate), then the promoter decides; a promote swaps
the aliases and starts the cooldown, exactly as the ledger would record it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.promoter.decision import DEFAULT_RULE, Rule, decide
from services.promoter.evidence import Evidence
from services.promoter.ledger import Action, AliasMap, FamilyHistory
from shared.features import Alias, Family

FAMILY = Family.XGBOOST


@dataclass(frozen=True, slots=True)
class Run:
    swaps: list[int]  # games per version played before each swap
    final_production: int


def simulate(
    rates: dict[int, float],
    rng: np.random.Generator,
    cycles: int,
    games_per_cycle: int,
    rule: Rule = DEFAULT_RULE,
) -> Run:
    """Version 1 starts as Production, version 2 as B; `rates` are their true bot win rates."""
    evidence = Evidence()
    aliases: AliasMap = {Alias.PRODUCTION: 1, Alias.B: 2, Alias.SHADOW1: None, Alias.SHADOW2: None}
    history = FamilyHistory()
    position, swaps = 0, []
    for cycle in range(1, cycles + 1):
        for version in (aliases[Alias.PRODUCTION] or 0, aliases[Alias.B] or 0):
            record = evidence.record_for(FAMILY, version)
            for won in rng.random(games_per_cycle) < rates[version]:
                position += 1
                record.add_game(position, bool(won))
        evidence.last_position = position
        decision = decide(FAMILY, aliases, evidence, history, rule)
        if decision.action is Action.PROMOTE:
            position += 1  # the AliasesChanged entry takes a log position
            history = FamilyHistory(position, history.last_rollback, decision.as_entry(position))
            aliases = decision.after
            swaps.append(cycle * games_per_cycle)
    return Run(swaps, aliases[Alias.PRODUCTION] or 0)
