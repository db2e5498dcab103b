"""Projections: one apply function per event type, run in the append's transaction.

Each function reads only its event, so replaying the log in position order
(`rebuild`) recreates exactly the tables the live appends produced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from shared.events.direct import Executor
from shared.events.payloads import AliasesChanged, GameFinished, GameStarted, RoundPlayed
from shared.events.records import Event, dumps
from shared.events.schema import PROJECTION_TABLES, games, ledger, players, sessions
from shared.streams import EventType

Apply = Callable[[Executor, Event], None]


# The hot path's statements are built once with bind parameters: building a fresh statement per
# call (`.values(**row)`) cost more than the SQL itself (SQLAlchemy cache-key generation).
_INSERT_IGNORE = {
    (name, table.name): dialect.insert(table).on_conflict_do_nothing()
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
    for table in (sessions, players)
}


def _insert_ignore(conn: Executor, table: sa.Table, values: dict[str, Any]) -> None:
    """INSERT that leaves an existing row alone (both dialects speak ON CONFLICT DO NOTHING)."""
    conn.execute(_INSERT_IGNORE[conn.dialect.name, table.name], values)


_INSERT_GAME = games.insert()
_COUNT_GAME_STARTED = (
    sessions.update()
    .where(sessions.c.session_id == sa.bindparam("p_session_id"))
    .values(games_started=sessions.c.games_started + 1)
)


def apply_game_started(conn: Executor, event: Event) -> None:
    p = event.payload
    assert isinstance(p, GameStarted)
    conn.execute(
        _INSERT_GAME,
        {
            "game_id": event.aggregate_id,
            "player_name": p.player_name,
            "session_id": p.session_id,
            "policy": p.policy,
            "family": p.family,
            "alias": p.alias,
            "opening": p.opening,
            "is_test": p.is_test,
            "ab_enabled": p.ab_enabled,
            "status": "active",
            "winner": None,
            "user_score": 0.0,
            "bot_score": 0.0,
            "rounds_played": 0,
            "model_version": None,
            "started_at": event.occurred_at,
            "finished_at": None,
            "last_seq": event.seq,
        },
    )
    _insert_ignore(
        conn,
        sessions,
        {
            "session_id": p.session_id,
            "player_name": p.player_name,
            "games_started": 0,
            "games_finished": 0,
            "games_won": 0,
            "rounds_played": 0,
            "rounds_won": 0,
            "rounds_lost": 0,
            "rounds_drawn": 0,
        },
    )
    conn.execute(_COUNT_GAME_STARTED, {"p_session_id": p.session_id})


_UPDATE_GAME_AFTER_ROUND = (
    games.update()
    .where(games.c.game_id == sa.bindparam("p_game_id"))
    .values(
        user_score=sa.bindparam("p_user_score"),
        bot_score=sa.bindparam("p_bot_score"),
        rounds_played=sa.bindparam("p_round_no"),
        last_seq=sa.bindparam("p_seq"),
    )
)
_GAME_SESSION = (
    sa.select(games.c.session_id).where(games.c.game_id == sa.bindparam("p_game_id")).scalar_subquery()
)
_COUNT_ROUND = {
    result: sessions.update()
    .where(sessions.c.session_id == _GAME_SESSION)
    .values({sessions.c.rounds_played: sessions.c.rounds_played + 1, column: column + 1})
    for result, column in (
        ("win", sessions.c.rounds_won),
        ("lose", sessions.c.rounds_lost),
        ("draw", sessions.c.rounds_drawn),
    )
}
_FINISH_GAME = (
    games.update()
    .where(games.c.game_id == sa.bindparam("p_game_id"))
    .values(
        status="finished",
        winner=sa.bindparam("p_winner"),
        model_version=sa.bindparam("p_model_version", type_=sa.String),
        finished_at=sa.bindparam("p_at", type_=sa.DateTime(timezone=True)),
        last_seq=sa.bindparam("p_seq"),
    )
)
_FINISHED_GAME_OWNER = sa.select(games.c.session_id, games.c.player_name, games.c.is_test).where(
    games.c.game_id == sa.bindparam("p_game_id")
)
_COUNT_FINISHED_IN_SESSION = (
    sessions.update()
    .where(sessions.c.session_id == sa.bindparam("p_session_id"))
    .values(
        games_finished=sessions.c.games_finished + 1, games_won=sessions.c.games_won + sa.bindparam("p_won")
    )
)
_COUNT_FINISHED_FOR_PLAYER = (
    players.update()
    .where(players.c.player_name == sa.bindparam("p_player"))
    .values(
        games_finished=players.c.games_finished + 1,
        games_won=players.c.games_won + sa.bindparam("p_won"),
        points_for=players.c.points_for + sa.bindparam("p_for", type_=sa.Float),
        points_against=players.c.points_against + sa.bindparam("p_against", type_=sa.Float),
        last_finished_at=sa.bindparam("p_at", type_=sa.DateTime(timezone=True)),
    )
)


def apply_round_played(conn: Executor, event: Event) -> None:
    p = event.payload
    assert isinstance(p, RoundPlayed)
    game_id = event.aggregate_id
    conn.execute(
        _UPDATE_GAME_AFTER_ROUND,
        {
            "p_game_id": game_id,
            "p_user_score": p.user_score,
            "p_bot_score": p.bot_score,
            "p_round_no": p.round_no,
            "p_seq": event.seq,
        },
    )
    conn.execute(_COUNT_ROUND[p.result.value], {"p_game_id": game_id})


def apply_game_finished(conn: Executor, event: Event) -> None:
    p = event.payload
    assert isinstance(p, GameFinished)
    game_id = event.aggregate_id
    conn.execute(
        _FINISH_GAME,
        {
            "p_game_id": game_id,
            "p_winner": p.winner.value,
            "p_model_version": p.model_version,  # rounds name none: their seals (the events before) do
            "p_at": event.occurred_at,
            "p_seq": event.seq,
        },
    )
    row = conn.execute(_FINISHED_GAME_OWNER, {"p_game_id": game_id}).one()
    won = 1 if p.winner.value == "user" else 0
    conn.execute(_COUNT_FINISHED_IN_SESSION, {"p_session_id": row.session_id, "p_won": won})
    if row.is_test:
        return  # test games are kept but stay off the leaderboard
    _insert_ignore(
        conn,
        players,
        {
            "player_name": row.player_name,
            "games_finished": 0,
            "games_won": 0,
            "points_for": 0.0,
            "points_against": 0.0,
            "last_finished_at": event.occurred_at,
        },
    )
    conn.execute(
        _COUNT_FINISHED_FOR_PLAYER,
        {
            "p_player": row.player_name,
            "p_won": won,
            "p_for": p.user_score,
            "p_against": p.bot_score,
            "p_at": event.occurred_at,
        },
    )


_INSERT_LEDGER = ledger.insert()


def apply_aliases_changed(conn: Executor, event: Event) -> None:
    p = event.payload
    assert isinstance(p, AliasesChanged)
    conn.execute(
        _INSERT_LEDGER,
        {
            "position": event.position,
            "event_id": event.event_id,
            "family": p.family,
            "action": p.action.value,
            "before": dumps(dict(p.before)),
            "after": dumps(dict(p.after)),
            "reason": p.reason,
            "evidence": dumps(dict(p.evidence)),
            "occurred_at": event.occurred_at,
        },
    )


def _ignore(conn: Executor, event: Event) -> None:
    """ModelTrained feeds no projection yet: readers take it from the log."""


APPLY: dict[EventType, Apply] = {
    EventType.GAME_STARTED: apply_game_started,
    EventType.ROUND_PLAYED: apply_round_played,
    EventType.GAME_FINISHED: apply_game_finished,
    EventType.MODEL_TRAINED: _ignore,
    EventType.ALIASES_CHANGED: apply_aliases_changed,
}


def apply_events(conn: Executor, events: Iterable[Event]) -> None:
    for event in events:
        APPLY[event.type](conn, event)


def clear_projections(conn: sa.Connection) -> None:
    for table in PROJECTION_TABLES:
        conn.execute(table.delete())
