"""The read models the API serves (games, sessions, players, ledger) as SQLModel classes.

Each `*Row` class is a projection table: its `__table__` is the Core table of `shared.events.schema`,
in the one `metadata` that Alembic compares with the migrations, and the append hot path writes it
with compiled Core statements (shared/events/direct.py), never through the ORM. Fields a response
shows are declared once, in a `*Base` class that both the table and the API's public shape extend.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

metadata = sa.MetaData()


class ReadModel(SQLModel, registry=registry(metadata=metadata)):
    """Base of the projection tables: they live in the store's metadata, not SQLModel's global one."""


# A game's status and winner as every reader shows them (the projection stores them as strings).
GameStatus = Literal["active", "finished"]
WinnerName = Literal["user", "bot", "draw"]  # draw: only when the round cap ends a game with equal scores


class GameBase(SQLModel):
    """A game's bot, state and score: what every shape of a game shows (a session lists these)."""

    game_id: str = Field(sa_type=sa.String(128), primary_key=True)
    policy: str = Field(sa_type=sa.String(32))
    status: GameStatus = Field(sa_type=sa.String(16))
    winner: WinnerName | None = Field(sa_type=sa.String(8))
    user_score: float = Field(sa_type=sa.Float)
    bot_score: float = Field(sa_type=sa.Float)
    rounds_played: int = Field(sa_type=sa.Integer)


class GameDetailBase(GameBase):
    """...and who plays it against which family: what the game's own answers show too."""

    player_name: str = Field(sa_type=sa.String(64))
    family: str = Field(sa_type=sa.String(64))
    is_test: bool = Field(sa_type=sa.Boolean)


class GameRow(GameDetailBase, ReadModel, table=True):
    __tablename__ = "games"

    session_id: str = Field(sa_type=sa.String(128), index=True)  # the session's secret: never shown
    alias: str = Field(sa_type=sa.String(32))
    opening: str = Field(sa_type=sa.String(64))
    ab_enabled: bool = Field(sa_type=sa.Boolean)
    model_version: str | None = Field(default=None, sa_type=sa.String(64))
    started_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    finished_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    last_seq: int = Field(sa_type=sa.Integer)


class SessionBase(SQLModel):
    """A session's totals as /stats shows them (its round results are shown as counts)."""

    session_id: str = Field(sa_type=sa.String(128), primary_key=True)
    player_name: str = Field(sa_type=sa.String(64))
    games_started: int = Field(sa_type=sa.Integer)
    games_finished: int = Field(sa_type=sa.Integer)
    games_won: int = Field(sa_type=sa.Integer)
    rounds_played: int = Field(sa_type=sa.Integer)


class SessionRow(SessionBase, ReadModel, table=True):
    __tablename__ = "sessions"

    rounds_won: int = Field(sa_type=sa.Integer)
    rounds_lost: int = Field(sa_type=sa.Integer)
    rounds_drawn: int = Field(sa_type=sa.Integer)


class PlayerBase(SQLModel):
    """A player's totals over finished non-test games (the leaderboard's columns)."""

    player_name: str = Field(sa_type=sa.String(64), primary_key=True)
    games_finished: int = Field(sa_type=sa.Integer)
    games_won: int = Field(sa_type=sa.Integer)
    points_for: float = Field(sa_type=sa.Float)
    points_against: float = Field(sa_type=sa.Float)


class PlayerRow(PlayerBase, ReadModel, table=True):
    __tablename__ = "players"

    last_finished_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


class LedgerBase(SQLModel):
    """One promotion-ledger entry (an AliasesChanged event) as every reader shows it."""

    event_id: str = Field(sa_type=sa.String(36))
    family: str = Field(sa_type=sa.String(64), index=True)
    action: str = Field(sa_type=sa.String(32))
    reason: str = Field(sa_type=sa.Text)


class LedgerRow(LedgerBase, ReadModel, table=True):
    __tablename__ = "ledger"

    position: int = Field(sa_column=sa.Column(sa.Integer, primary_key=True, autoincrement=False))
    # JSON text: the public shape (LedgerBase's subclasses) shows them as objects
    before: str = Field(sa_type=sa.Text)
    after: str = Field(sa_type=sa.Text)
    evidence: str = Field(sa_type=sa.Text)
    occurred_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
