"""The rounds projection points at its RoundPlayed event instead of copying the payload.

A round cost ~820 bytes in `rounds` on top of its event; now (game_id, round_no, position) in a
table without rowid. Filled from the log (every RoundPlayed stored so far is schema_version 1).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ROUND_NO = {
    "sqlite": "CAST(json_extract(payload, '$.round_no') AS INTEGER)",
    "postgresql": "CAST(CAST(payload AS json)->>'round_no' AS INTEGER)",
}


def upgrade() -> None:
    op.drop_table("rounds")
    op.create_table(
        "rounds",
        sa.Column("game_id", sa.String(128), primary_key=True),
        sa.Column("round_no", sa.Integer, primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sqlite_with_rowid=False,
    )
    round_no = ROUND_NO[op.get_bind().dialect.name]
    op.execute(
        f"INSERT INTO rounds (game_id, round_no, position) "
        f"SELECT aggregate_id, {round_no}, position FROM events WHERE type = 'RoundPlayed'"
    )


def downgrade() -> None:
    raise NotImplementedError("the copied round columns cannot be restored; restore a backup instead")
