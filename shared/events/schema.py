"""The store's tables. Alembic migrations create them; this is what the code queries (as Core).

`events` is the log (the source of truth), `outbox` the events not yet on the Redis stream;
every other table is a projection that `rebuild_projections` can recreate from the log.
"""

from __future__ import annotations

import sqlalchemy as sa

from shared.events.read_models import metadata

# The projections the API reads are SQLModel classes (shared/events/read_models.py); their tables:
games = metadata.tables["games"]
sessions = metadata.tables["sessions"]
players = metadata.tables["players"]  # the leaderboard: finished games of real players
ledger = metadata.tables["ledger"]  # the promotion ledger: one row per AliasesChanged event

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

sa.Index("ix_games_finished_at", games.c.finished_at)  # /policies: the games finished in a window

# A game's rounds need no projection: they are its RoundPlayed events, found by (aggregate_id, seq).
PROJECTION_TABLES: tuple[sa.Table, ...] = (games, sessions, players, ledger)

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
