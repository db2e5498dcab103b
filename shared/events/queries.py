"""Reads of the projections (games, sessions, players, policies) and of a game's rounds, for the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shared.events.payloads import RoundPlayed, decode_payload
from shared.events.records import as_utc, loads
from shared.events.schema import PROJECTION_TABLES, events, games, players, sessions
from shared.streams import EventType


def _dict(row: sa.Row[Any]) -> dict[str, Any]:
    out = dict(row._mapping)
    for key, value in out.items():
        if isinstance(value, datetime):
            out[key] = as_utc(value)
    return out


class ProjectionQueries:
    """Read-only queries on the projections; every method opens its own short connection."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def game(self, game_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(games).where(games.c.game_id == game_id)).first()
        return None if row is None else _dict(row)

    def rounds(self, game_id: str) -> list[RoundPlayed]:
        """The game's rounds in order: its RoundPlayed events, found by the (aggregate_id, seq) key."""
        query = (
            sa.select(events.c.type, events.c.schema_version, events.c.payload)
            .where(events.c.aggregate_id == game_id, events.c.type == EventType.ROUND_PLAYED.value)
            .order_by(events.c.seq)
        )
        with self.engine.connect() as conn:
            payloads = [
                decode_payload(r.type, r.schema_version, loads(r.payload)) for r in conn.execute(query)
            ]
        return [p for p in payloads if isinstance(p, RoundPlayed)]

    def game_stats(self, game_id: str) -> dict[str, Any] | None:
        game = self.game(game_id)
        if game is None:
            return None
        results = {"win": 0, "lose": 0, "draw": 0}
        moves = {"rock": 0, "paper": 0, "scissors": 0}
        for played in self.rounds(game_id):
            results[played.result.value] += 1
            moves[played.user_move.value] += 1
        return {"game": game, "results": results, "user_moves": moves}

    def session(self, session_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(sessions).where(sessions.c.session_id == session_id)).first()
            if row is None:
                return None
            game_rows = conn.execute(
                sa.select(games).where(games.c.session_id == session_id).order_by(games.c.started_at)
            ).all()
        return {"session": _dict(row), "games": [_dict(g) for g in game_rows]}

    def leaderboard(self, limit: int) -> list[dict[str, Any]]:
        query = (
            sa.select(players)
            .order_by(
                players.c.games_won.desc(),
                (players.c.points_for - players.c.points_against).desc(),
                players.c.player_name,
            )
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_dict(r) for r in conn.execute(query)]

    def policy_results(self, since: datetime) -> dict[str, dict[str, int]]:
        """Finished non-test games per policy since `since`: {policy: {games, bot_wins}}."""
        query = (
            sa.select(
                games.c.policy,
                sa.func.count().label("games"),
                sa.func.sum(sa.case((games.c.winner == "bot", 1), else_=0)).label("bot_wins"),
            )
            .where(games.c.status == "finished", games.c.is_test.is_(False), games.c.finished_at >= since)
            .group_by(games.c.policy)
        )
        with self.engine.connect() as conn:
            return {
                r.policy: {"games": int(r.games), "bot_wins": int(r.bot_wins or 0)}
                for r in conn.execute(query)
            }

    def finished_games(self, since: datetime, until: datetime) -> list[dict[str, Any]]:
        """Finished non-test games in [since, until], oldest first (family, model_version, winner,
        finished_at)."""
        query: sa.Select[Any] = (
            sa.select(games.c.family, games.c.model_version, games.c.winner, games.c.finished_at)
            .where(
                games.c.status == "finished",
                games.c.is_test.is_(False),
                games.c.finished_at >= since,
                games.c.finished_at <= until,
            )
            .order_by(games.c.finished_at)
        )
        with self.engine.connect() as conn:
            return [_dict(r) for r in conn.execute(query)]

    def served_versions(self) -> list[tuple[str, str]]:
        """(family, model_version) of every version that finished a non-test game, sorted."""
        query = (
            sa.select(games.c.family, games.c.model_version)
            .where(
                games.c.status == "finished", games.c.is_test.is_(False), games.c.model_version.is_not(None)
            )
            .distinct()
            .order_by(games.c.family, games.c.model_version)
        )
        with self.engine.connect() as conn:
            return [(r.family, str(r.model_version)) for r in conn.execute(query)]

    def projection_snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Every projection row, sorted: to compare live projections with rebuilt ones."""
        snapshot: dict[str, list[dict[str, Any]]] = {}
        with self.engine.connect() as conn:
            for table in PROJECTION_TABLES:
                keys = list(table.primary_key.columns)
                snapshot[table.name] = [_dict(r) for r in conn.execute(sa.select(table).order_by(*keys))]
        return snapshot
