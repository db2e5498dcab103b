"""Drop the rounds projection: a game's rounds are its RoundPlayed events, found by the log's key.

`rounds` (game_id, round_no) -> position cost ~50 bytes a round (8% of it) to find what the
unique (aggregate_id, seq) index of `events` finds already: round n of a game is its event n + 1.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("rounds")


def downgrade() -> None:
    op.create_table(
        "rounds",
        sa.Column("game_id", sa.String(128), primary_key=True),
        sa.Column("round_no", sa.Integer, primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO rounds (game_id, round_no, position) "
        "SELECT aggregate_id, seq - 1, position FROM events WHERE type = 'RoundPlayed'"
    )
