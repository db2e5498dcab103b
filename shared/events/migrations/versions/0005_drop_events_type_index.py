"""Drop the (type, position) index of the log: 25 bytes a round for reads that no longer need it.

Readers are incremental (they read the positions after their checkpoint, nearly all of one
type family), so the primary key's range serves them; the index cost 4% of a round's bytes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_events_type_position", table_name="events")


def downgrade() -> None:
    op.create_index("ix_events_type_position", "events", ["type", "position"])
