"""Alembic environment: runs on the connection handed over by shared.events.migrate (or the URL)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from shared.events.migrate import VERSION_TABLE

config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic: no sqlalchemy.url and no connection given")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


def _run(connection: sa.Connection) -> None:
    context.configure(connection=connection, version_table=VERSION_TABLE, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
