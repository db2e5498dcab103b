"""The SQLite WAL stays within its budget under continuous appends while readers hold long queries."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from shared.events import EventStore
from shared.events.engine import WAL_BUDGET_BYTES, WalCheckpointer
from tests.gameplay.events_factory import whole_game

# /play's ceiling here is ~300 rounds/s (bench/results.md); unpaced, this loop wrote 60 MB/s of WAL,
# several times what the API can produce, and the budget then hung on thread scheduling.
PLAY_RATE_PER_S = 500


def _peak_wal(
    store: EventStore,
    path: Path,
    appends: int,
    stop_above: int | None = None,
    rate_per_s: float | None = None,
) -> int:
    """Append rounds one transaction each (as /play does, at most `rate_per_s`) while two readers hold
    staggered 0.3 s snapshots, so at every moment some reader uses the WAL; returns the WAL's peak."""
    stop = threading.Event()

    def reader(delay_s: float) -> None:
        time.sleep(delay_s)
        conn = sqlite3.connect(path, isolation_level=None)
        while not stop.is_set():
            conn.execute("BEGIN")
            conn.execute("SELECT count(*), sum(length(payload)) FROM events").fetchone()
            time.sleep(0.3)  # a job's long query keeps its snapshot
            conn.execute("COMMIT")
        conn.close()

    readers = [threading.Thread(target=reader, args=(delay,)) for delay in (0.0, 0.15)]
    for thread in readers:
        thread.start()
    wal, peak = Path(f"{path}-wal"), 0
    started = time.monotonic()
    try:
        for n in range(appends):
            if rate_per_s is not None and (ahead := n / rate_per_s - (time.monotonic() - started)) > 0:
                time.sleep(ahead)
            store.append(whole_game(f"g{n}", rounds=1)[:2])
            if n % 25 == 0:
                peak = max(peak, wal.stat().st_size if wal.exists() else 0)
                if stop_above is not None and peak > stop_above:
                    break
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    return peak


def test_the_wal_stays_within_budget_while_readers_hold_long_queries(sqlite_url: str) -> None:
    store = EventStore.from_url(sqlite_url, background_checkpoint=True)
    try:
        peak = _peak_wal(
            store, Path(sa.make_url(sqlite_url).database or ""), appends=4000, rate_per_s=PLAY_RATE_PER_S
        )
    finally:
        store.close()
    assert peak <= WAL_BUDGET_BYTES, f"WAL peaked at {peak / 2**20:.0f} MiB"


def test_without_truncating_checkpoints_the_same_load_passes_the_budget(sqlite_url: str) -> None:
    """The control: PASSIVE checkpoints alone never let the WAL restart under overlapping readers."""
    store = EventStore.from_url(sqlite_url)
    engine = store.engine
    passive = WalCheckpointer(engine, truncate_bytes=2**62)
    passive.start()
    try:
        peak = _peak_wal(
            store, Path(sa.make_url(sqlite_url).database or ""), appends=8000, stop_above=WAL_BUDGET_BYTES
        )
    finally:
        passive.stop()
        store.close()
    assert peak > WAL_BUDGET_BYTES
