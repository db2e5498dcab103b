"""An index on games.finished_at: /policies counts the games finished in a window.

Without it every /policies call scanned the whole games table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_games_finished_at", "games", ["finished_at"])


def downgrade() -> None:
    op.drop_index("ix_games_finished_at", table_name="games")
