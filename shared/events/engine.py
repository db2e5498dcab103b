"""Engines for the store's URLs: SQLite in WAL with BEGIN IMMEDIATE for writes, or PostgreSQL."""

from __future__ import annotations

import logging
import threading
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa

# Execution option marking a connection that writes: SQLite then takes the write lock at BEGIN,
# so two writers never both read and then fail to upgrade (SQLITE_BUSY_SNAPSHOT).
WRITE_OPTION = "rps_write"
SQLITE_BUSY_TIMEOUT_S = 10.0
CHECKPOINT_INTERVAL_S = 0.5

log = logging.getLogger(__name__)


def normalize_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here (the only PostgreSQL driver installed)."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.removeprefix("postgres://")
    return url


def create_engine(
    url: str, *, autocheckpoint: bool = True, busy_timeout_s: float = SQLITE_BUSY_TIMEOUT_S
) -> sa.Engine:
    """`autocheckpoint=False` (SQLite): no commit copies the WAL back into the database file; run a
    `WalCheckpointer` beside it. `busy_timeout_s` (SQLite): how long a writer waits for the lock
    before the store raises StoreUnavailableError (short on a latency path: it blocks the caller)."""
    url = normalize_url(url)
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": busy_timeout_s, "check_same_thread": False})
    sa.event.listen(engine, "connect", partial(_sqlite_on_connect, autocheckpoint=autocheckpoint))
    sa.event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any, *, autocheckpoint: bool = True) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself instead of pysqlite's implicit one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    if not autocheckpoint:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


class WalCheckpointer:
    """Checkpoints a SQLite WAL from a thread of its own.

    By default SQLite checkpoints inside the commit that takes the WAL past 1000 pages: that commit
    copies them all back into the database file and syncs it (~20 ms here, once every ~80 rounds of
    /play, which set the p99 of the API's event loop). Here a daemon thread runs a PASSIVE
    checkpoint, which neither waits for nor blocks writers, every `interval_s`; sqlite3 releases
    the GIL while it works. The WAL then holds about one interval of writes.
    """

    def __init__(self, engine: sa.Engine, interval_s: float = CHECKPOINT_INTERVAL_S) -> None:
        self.engine = engine
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def checkpoint(self) -> tuple[int, int, int]:
        """One PASSIVE checkpoint: (busy, WAL frames, frames copied back), as SQLite reports them."""
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            row = cursor.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            cursor.close()
        finally:
            raw.close()
        return int(row[0]), int(row[1]), int(row[2])

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sqlite-wal-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread after a last checkpoint."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while True:
            stopping = self._stop.wait(self.interval_s)
            try:
                self.checkpoint()
            except sa.exc.DBAPIError as exc:  # e.g. the database is busy: the next pass catches up
                log.warning("WAL checkpoint failed: %s", exc)
            if stopping:
                return


def _sqlite_on_begin(conn: sa.Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN")
