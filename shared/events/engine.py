"""Engines for the store's URLs: SQLite in WAL with BEGIN IMMEDIATE for writes, or PostgreSQL."""

from __future__ import annotations

import logging
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa

# Execution option marking a connection that writes: SQLite then takes the write lock at BEGIN,
# so two writers never both read and then fail to upgrade (SQLITE_BUSY_SNAPSHOT).
WRITE_OPTION = "rps_write"
SQLITE_BUSY_TIMEOUT_S = 10.0
CHECKPOINT_INTERVAL_S = 0.5
# The WAL file's size is looked at this often (a stat): past WAL_TRUNCATE_BYTES the checkpoint runs
# at once. Waiting out the interval let fast appends add 20-40 MB between passes (peaks of 74 MB).
WAL_POLL_S = 0.05
# The WAL's budget is 64 MB (k3s gives the database a 1 Gi volume). Past WAL_TRUNCATE_BYTES the
# checkpointer asks for a TRUNCATE checkpoint: with readers always overlapping, a PASSIVE one never
# lets the WAL restart (measured: 188 MB after 4,000 appends with two staggered 0.3 s readers).
WAL_BUDGET_BYTES = 64 * 2**20
WAL_TRUNCATE_BYTES = 16 * 2**20
WAL_FORCE_BYTES = 24 * 2**20
# A TRUNCATE checkpoint blocks writers while it waits for the readers on the WAL to finish: at most
# TRUNCATE_WAIT_MS (appends on /play wait 50 ms) and then again next interval; past WAL_FORCE_BYTES,
# up to FORCED_WAIT_MS (jobs read in short batches: a read that long is a bug), accepting a moment
# of 503s on /play over a WAL past its budget.
TRUNCATE_WAIT_MS = 20
FORCED_WAIT_MS = 5_000

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
    # A WAL that restarts from its beginning is cut back to this size (else it keeps its peak size).
    cursor.execute(f"PRAGMA journal_size_limit={WAL_TRUNCATE_BYTES}")
    if not autocheckpoint:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


class WalCheckpointer:
    """Checkpoints a SQLite WAL from a thread of its own, and keeps it within its budget.

    By default SQLite checkpoints inside the commit that takes the WAL past 1000 pages: that commit
    copies them all back into the database file and syncs it (~20 ms here, once every ~80 rounds of
    /play, which set the p99 of the API's event loop). Here a daemon thread runs a PASSIVE
    checkpoint, which neither waits for nor blocks writers, every `interval_s`; sqlite3 releases
    the GIL while it works. A WAL restarts from its beginning only when no reader still uses it,
    which overlapping readers (jobs) may never allow: past `truncate_bytes` the thread runs a
    TRUNCATE checkpoint that waits at most TRUNCATE_WAIT_MS for them, then empties the file.
    """

    def __init__(
        self,
        engine: sa.Engine,
        interval_s: float = CHECKPOINT_INTERVAL_S,
        truncate_bytes: int = WAL_TRUNCATE_BYTES,
    ) -> None:
        self.engine = engine
        self.interval_s = interval_s
        self.truncate_bytes = truncate_bytes
        self.wal_path = Path(f"{engine.url.database}-wal")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def checkpoint(self) -> tuple[int, int, int]:
        """One checkpoint, TRUNCATE if the WAL is past its threshold, else PASSIVE: (busy, WAL frames,
        frames copied back), as SQLite reports them."""
        wal_bytes = self.wal_bytes()
        truncate = wal_bytes > self.truncate_bytes
        wait_ms = TRUNCATE_WAIT_MS if wal_bytes < WAL_FORCE_BYTES else FORCED_WAIT_MS
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if truncate:
                busy_ms = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
                cursor.execute(f"PRAGMA busy_timeout={wait_ms}")
                try:
                    row = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                finally:
                    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            else:
                row = cursor.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            cursor.close()
        finally:
            raw.close()
        return int(row[0]), int(row[1]), int(row[2])

    def wal_bytes(self) -> int:
        try:
            return self.wal_path.stat().st_size
        except FileNotFoundError:
            return 0

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
        last = time.monotonic()
        while True:
            stopping = self._stop.wait(min(self.interval_s, WAL_POLL_S))
            due = time.monotonic() - last >= self.interval_s or self.wal_bytes() > self.truncate_bytes
            if not (stopping or due):
                continue
            last = time.monotonic()
            try:
                self.checkpoint()
            except sa.exc.DBAPIError as exc:  # e.g. the database is busy: the next pass catches up
                log.warning("WAL checkpoint failed: %s", exc)
            if stopping:
                return


def _sqlite_on_begin(conn: sa.Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN")
