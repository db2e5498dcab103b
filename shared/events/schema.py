"""The store's tables (SQLAlchemy Core). Alembic migrations create them; this is what the code queries.

`events` is the log (the source of truth), `outbox` the events not yet on the Redis stream;
every other table is a projection that `rebuild_projections` can recreate from the log.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

events = sa.Table(
    "events",
    metadata,
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(36), nullable=False, unique=True),
    sa.Column("aggregate_id", sa.String(128), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.UniqueConstraint("aggregate_id", "seq", name="uq_events_aggregate_seq"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
)

games = sa.Table(
    "games",
    metadata,
    sa.Column("game_id", sa.String(128), primary_key=True),
    sa.Column("player_name", sa.String(64), nullable=False),
    sa.Column("session_id", sa.String(128), nullable=False, index=True),
    sa.Column("policy", sa.String(32), nullable=False),
    sa.Column("family", sa.String(64), nullable=False),
    sa.Column("alias", sa.String(32), nullable=False),
    sa.Column("opening", sa.String(64), nullable=False),
    sa.Column("is_test", sa.Boolean, nullable=False),
    sa.Column("ab_enabled", sa.Boolean, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("winner", sa.String(8)),
    sa.Column("user_score", sa.Float, nullable=False),
    sa.Column("bot_score", sa.Float, nullable=False),
    sa.Column("rounds_played", sa.Integer, nullable=False),
    sa.Column("model_version", sa.String(64)),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("last_seq", sa.Integer, nullable=False),
)
sa.Index("ix_games_finished_at", games.c.finished_at)  # /policies: the games finished in a window

# A round points at its RoundPlayed event (the payload is stored once, in the log).
rounds = sa.Table(
    "rounds",
    metadata,
    sa.Column("game_id", sa.String(128), primary_key=True),
    sa.Column("round_no", sa.Integer, primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sqlite_with_rowid=False,
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("session_id", sa.String(128), primary_key=True),
    sa.Column("player_name", sa.String(64), nullable=False),
    sa.Column("games_started", sa.Integer, nullable=False),
    sa.Column("games_finished", sa.Integer, nullable=False),
    sa.Column("games_won", sa.Integer, nullable=False),
    sa.Column("rounds_played", sa.Integer, nullable=False),
    sa.Column("rounds_won", sa.Integer, nullable=False),
    sa.Column("rounds_lost", sa.Integer, nullable=False),
    sa.Column("rounds_drawn", sa.Integer, nullable=False),
)

# The leaderboard: finished games of real (not is_test) players.
players = sa.Table(
    "players",
    metadata,
    sa.Column("player_name", sa.String(64), primary_key=True),
    sa.Column("games_finished", sa.Integer, nullable=False),
    sa.Column("games_won", sa.Integer, nullable=False),
    sa.Column("points_for", sa.Float, nullable=False),
    sa.Column("points_against", sa.Float, nullable=False),
    sa.Column("last_finished_at", sa.DateTime(timezone=True), nullable=False),
)

# The promotion ledger: one row per AliasesChanged event.
ledger = sa.Table(
    "ledger",
    metadata,
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("family", sa.String(64), nullable=False, index=True),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("before", sa.Text, nullable=False),
    sa.Column("after", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
)

PROJECTION_TABLES: tuple[sa.Table, ...] = (games, rounds, sessions, players, ledger)

# Named reader checkpoints: a log reader's state and the position it read up to, in one row, so one
# statement saves both (shared/events/checkpoints.py). Not a projection: a rebuild keeps them.
reader_checkpoints = sa.Table(
    "reader_checkpoints",
    metadata,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("state", sa.LargeBinary, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
