"""Run the store's Alembic migrations programmatically (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from shared.events.engine import WRITE_OPTION

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Own version table, so the store can share a database with other Alembic users.
VERSION_TABLE = "rps_events_alembic_version"
# PostgreSQL advisory lock key that serializes concurrent upgrades (any fixed 64-bit number).
MIGRATION_LOCK_KEY = 0x7270735F6D696772  # "rps_migr"


def alembic_config(url: str) -> Config:
    from alembic.config import Config  # imported when used: readers of shared.events never migrate

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (idempotent; runs at every start-up).

    Every process migrates as it starts, and `make run` starts them together on a fresh file: the
    upgrades take turns (SQLite: the write lock from BEGIN IMMEDIATE, waited for like any write;
    PostgreSQL: an advisory lock), so the second finds the schema at head. In a plain transaction
    SQLite refused the write of the one that had read first ("database is locked" at once)."""
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
