"""Bandit routing's live evidence: bot wins and losses per model version, kept in memory.

Seeded once from the games projection at start-up, then updated from this process's own
`GameFinished` appends, so choosing a game's alias costs two dictionary reads. The share of
new games for B is `shared.features.bandit_share_b` (docs/operations.md, "Routing").
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from shared.events import EventStore
from shared.events.schema import games
from shared.features import Alias, bandit_share_b

Key = tuple[str, str]  # (family, model version)


class OutcomeTally:
    """Bot (wins, losses) per (family, version), and the version last seen serving each (family, alias)."""

    def __init__(self) -> None:
        self.counts: defaultdict[Key, list[int]] = defaultdict(lambda: [0, 0])
        self.serving: dict[tuple[str, str], tuple[str, float]] = {}  # (family, alias) -> (version, when)

    @classmethod
    def from_store(cls, store: EventStore) -> OutcomeTally:
        """Every finished, non-test game of the projection, grouped (one query)."""
        query = (
            sa.select(
                games.c.family,
                games.c.alias,
                games.c.model_version,
                games.c.winner,
                sa.func.count(),
                sa.func.max(games.c.finished_at),
            )
            .where(
                games.c.status == "finished", games.c.is_test.is_(False), games.c.model_version.is_not(None)
            )
            .group_by(games.c.family, games.c.alias, games.c.model_version, games.c.winner)
        )
        tally = cls()
        with store.engine.connect() as conn:
            for family, alias, version, winner, count, finished_at in conn.execute(query):
                tally.counts[(family, version)][0 if winner == "bot" else 1] += int(count)
                when = finished_at.timestamp() if finished_at is not None else 0.0
                if when >= tally.serving.get((family, alias), ("", -1.0))[1]:
                    tally.serving[(family, alias)] = (version, when)
        return tally

    def add(self, family: str, alias: str, version: str | None, bot_won: bool, when: float) -> None:
        """One finished game (served by a model version) of this process."""
        if version is None:
            return
        self.counts[(family, version)][0 if bot_won else 1] += 1
        self.serving[(family, alias)] = (version, when)

    def record(self, family: str, alias: Alias) -> tuple[int, int]:
        """(bot wins, bot losses) of the version last seen serving the alias; (0, 0) if none."""
        version = self.serving.get((family, alias.value))
        if version is None:
            return (0, 0)
        wins, losses = self.counts.get((family, version[0]), (0, 0))
        return (wins, losses)

    def share_b(self, family: str) -> float:
        """B's share of the family's new games now."""
        return bandit_share_b(self.record(family, Alias.PRODUCTION), self.record(family, Alias.B))
