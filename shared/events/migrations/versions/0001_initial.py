"""The event log, the outbox and the projections (games, rounds, sessions, players, ledger).

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
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
    op.create_index("ix_events_type_position", "events", ["type", "position"])
    op.create_table("outbox", sa.Column("position", sa.Integer, primary_key=True, autoincrement=False))
    op.create_table(
        "games",
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
    op.create_table(
        "rounds",
        sa.Column("game_id", sa.String(128), primary_key=True),
        sa.Column("round_no", sa.Integer, primary_key=True),
        sa.Column("user_move", sa.String(8), nullable=False),
        sa.Column("bot_move", sa.String(8), nullable=False),
        sa.Column("result", sa.String(8), nullable=False),
        sa.Column("user_delta", sa.Float, nullable=False),
        sa.Column("bot_delta", sa.Float, nullable=False),
        sa.Column("user_score", sa.Float, nullable=False),
        sa.Column("bot_score", sa.Float, nullable=False),
        sa.Column("points", sa.Text, nullable=False),
        sa.Column("bot_source", sa.String(16), nullable=False),
        sa.Column("alias", sa.String(32), nullable=False),
        sa.Column("model_version", sa.String(64)),
        sa.Column("predictions", sa.Text, nullable=False),
        sa.Column("latency_ms", sa.Float),
        sa.Column("played_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sessions",
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
    op.create_table(
        "players",
        sa.Column("player_name", sa.String(64), primary_key=True),
        sa.Column("games_finished", sa.Integer, nullable=False),
        sa.Column("games_won", sa.Integer, nullable=False),
        sa.Column("points_for", sa.Float, nullable=False),
        sa.Column("points_against", sa.Float, nullable=False),
        sa.Column("last_finished_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "ledger",
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


def downgrade() -> None:
    for table in ("ledger", "players", "sessions", "rounds", "games", "outbox"):
        op.drop_table(table)
    op.drop_index("ix_events_type_position", table_name="events")
    op.drop_table("events")
