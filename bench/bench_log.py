"""The event log at scale: a store pre-filled through the real append path, then what each reader costs.

`python -m bench log` (sizes: BENCH_LOG_SIZES, default "100000,1000000" events). Games are built
as gameplay builds them (sealed moves, four distinct model versions predicting every model round)
and appended 200 games per transaction. Each job runs in a subprocess of its own, so its peak RSS
is its own. Targets (issue 13) are checked; `targets_missed` makes `python -m bench` exit 1.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
WINDOW_DAYS = 7
BYTES_PER_ROUND = 600
WAL_BUDGET_MB = 64
WINDOW_READ_S = 5.0  # for 1M rounds
NEW_EVENTS = 2_000  # of new games (~100) before the trainer's measured cycle
PROMOTE_AFTER_FOLD_S = 2.0
STREAM_BUDGET_MIB = 48.0  # the stream's share of Redis's 96 MB (deploy/kustomize/base/redis.yaml)
PLAY_S = float(os.environ.get("BENCH_LOG_PLAY_S", "600"))  # the WAL's 10 minutes of play
# Rounds a second the WAL measurement appends: above /play's ceiling on this machine (~300/s, the
# /play section). Unpaced, one process appended several times faster than the API can, and the
# checkpointer, the jobs and the appender then shared one interpreter's GIL.
PLAY_RATE_PER_S = 500

targets_missed: list[str] = []

FILL = """
import sys, uuid
from datetime import UTC, datetime, timedelta
from services.trainer.synthetic import generate_games
from shared.events import BotSource, EventStore, GameFinished, GameStarted, RoundPlayed, new_event
from shared.events.payloads import SealedMove
from shared.features import is_opening_round

target, url, seed, days_ago = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
store = EventStore.from_url(url)
probabilities = {"rock": 0.41, "paper": 0.33, "scissors": 0.26}
versions = (("Production", "7"), ("B", "8"), ("shadow1", "9"), ("shadow2", "10"))
answers = {a: {"model_version": v, "probabilities": probabilities, "source": "cache"} for a, v in versions}
start = datetime.now(UTC) - timedelta(days=days_ago)  # every game inside the training window
written, games, batch = 0, 0, []
for game in generate_games(10**9, seed=seed, start=start, spacing=timedelta(seconds=5)):
    def seal(r):
        move = game.bot_moves[r - 1]
        if is_opening_round(r):
            return SealedMove.record(r, move, bot_source=BotSource.OPENING, model_version=None, answers={})
        return SealedMove.record(r, move, bot_source=BotSource.MODEL, model_version="7", answers=answers)
    gid = game.game_id
    started = GameStarted(gid, "p", "s-" + gid[:8], "forrest", "rps_bot_xgboost", "Production", "razor",
                          False, False, seal_key=uuid.uuid4().hex, seal=seal(1))
    events = [new_event(gid, 1, started, occurred_at=game.started_at)]
    n = len(game)
    for i in range(n):
        played = RoundPlayed.revealing(seal(i + 1), game.user_moves[i], game.points[i], game.outcomes[i],
                                       latency_ms=1.7, next_seal=seal(i + 2) if i + 1 < n else None)
        at = game.started_at + timedelta(seconds=i + 1)
        events.append(new_event(gid, i + 2, played, occurred_at=at))
    last = game.outcomes[-1]
    family, alias = "rps_bot_xgboost", "Production"
    finished = GameFinished(last.winner, last.user_score, last.bot_score, n, family, alias, "7")
    events.append(new_event(gid, n + 2, finished, occurred_at=game.started_at + timedelta(seconds=n + 1)))
    batch.extend(events)
    written, games = written + len(events), games + 1
    if len(batch) >= 4000 or written >= target:
        store.append(batch)
        batch = []
    if written >= target:
        break
with store.engine.begin() as conn:
    conn.exec_driver_sql("DELETE FROM outbox")  # what the relay does once Redis has them
store.close()
print(written, games)
"""

JOB = """
import resource, sys, time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from shared.events import EventStore
from services.promoter.source import load_evidence
from services.trainer.rowcache import RowsCache
store = EventStore.from_url(sys.argv[2], run_migrations=False)
job = sys.argv[1]
started = time.perf_counter()  # imports done: the job's own work
if job in ("build", "cycle", "read"):
    now = datetime.now(UTC)
    since = now - timedelta(days=int(sys.argv[4]))
    cache = RowsCache(store, Path(sys.argv[3]))
    cycle = cache.update(since)  # build: from nothing; cycle: the new games; read: nothing new
    first, extra, second = time.perf_counter() - started, cycle.rows, cycle.events
    if job == "read":
        again = time.perf_counter()
        extra = cache.read(cycle, since, now).rows
        second = time.perf_counter() - again
elif job == "promote":  # one cycle's fold: the whole log the first time, then what is new
    extra = load_evidence(store).last_position
    first = second = time.perf_counter() - started
print(first, second, extra, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def _python(code: str, *args: str) -> str:
    done = subprocess.run(
        [PYTHON, "-c", code, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return done.stdout.strip().splitlines()[-1]


def _bytes_per_round(path: Path) -> float:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    rounds = int(conn.execute("SELECT count(*) FROM events WHERE type = 'RoundPlayed'").fetchone()[0])
    conn.close()
    return path.stat().st_size / max(rounds, 1)


JOBS_LOOP = """
import sys, time
from datetime import UTC, datetime
from pathlib import Path
from shared.events import EventStore
from services.promoter.source import load_evidence
from services.trainer.rowcache import RowsCache
store = EventStore.from_url(sys.argv[1], run_migrations=False)
cache = RowsCache(store, Path(sys.argv[2]))
deadline, cycles = time.monotonic() + float(sys.argv[3]), 0
while time.monotonic() < deadline:
    cache.training_data(window_days=1, now=datetime.now(UTC))
    load_evidence(store)
    cycles += 1
print(cycles)
"""


def _wal_peak(url: str, path: Path, seconds: float) -> tuple[float, int, int]:
    """Appends as /play makes them (one round a transaction, PLAY_RATE_PER_S, the WAL checkpointer
    in the appending process as in gameplay) while, in a process of their own, the trainer's cache
    and the promoter's fold read the new events in a loop; (WAL peak MB, rounds, job cycles)."""
    from shared.events import EventStore
    from tests.gameplay.events_factory import whole_game

    store = EventStore.from_url(url, background_checkpoint=True, run_migrations=False)
    jobs = subprocess.Popen(
        [PYTHON, "-c", JOBS_LOOP, url, str(path.parent / "training-cache-wal"), str(seconds)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"},
        stdout=subprocess.PIPE,
        text=True,
    )
    wal, peak, n = Path(f"{path}-wal"), 0, 0
    started = time.monotonic()
    while (elapsed := time.monotonic() - started) < seconds:
        store.append(whole_game(f"wal-{n}", rounds=1)[:2])
        n += 1
        if n % 20 == 0:
            peak = max(peak, wal.stat().st_size if wal.exists() else 0)
        time.sleep(max(0.0, n / PLAY_RATE_PER_S - elapsed))
    cycles, _ = jobs.communicate()
    store.close()
    return peak / 2**20, n, int(cycles.strip().splitlines()[-1]) if jobs.returncode == 0 else 0


def _stream_mib(url: str) -> tuple[int, float]:
    """Redis memory of the stream once trimmed: the store's events published past STREAM_MAXLEN."""
    import redis
    import sqlalchemy as sa

    from shared.events import EventStore, Lease
    from shared.events.outbox import STREAM_MAXLEN, publish_batch
    from shared.events.schema import events
    from tests.conftest import free_port

    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL
    )
    try:
        time.sleep(0.5)
        client = redis.Redis(port=port)
        lease = Lease(client, "bench")
        lease.acquire()
        store = EventStore.from_url(url, run_migrations=False)
        sent, position = 0, 0
        while sent < STREAM_MAXLEN * 1.1:
            with store.engine.connect() as conn:
                rows = list(
                    conn.execute(
                        sa.select(events)
                        .where(events.c.position > position)
                        .order_by(events.c.position)
                        .limit(500)
                    )
                )
            if not rows:
                position = 0
                continue
            lease.acquire()  # renewed as the relay renews it
            publish_batch(lease, rows)
            sent += len(rows)
            position = rows[-1].position
        store.close()
        memory: int = client.memory_usage("rps:events", samples=0) or 0
        return int(client.xlen("rps:events")), memory / 2**20
    finally:
        server.terminate()
        server.wait()


def _trainer(url: str, cache: Path, size: int) -> tuple[str, float]:
    """The trainer's cache: built over the window, a cycle after NEW_EVENTS of new games, the window
    read; the table's three cells and the cycle's time."""
    b_s, b_events, b_rows, b_rss = (
        float(x) for x in _python(JOB, "build", url, str(cache), str(WINDOW_DAYS)).split()
    )
    cache_bytes = sum(f.stat().st_size for f in cache.iterdir())
    _, new_games = (int(x) for x in _python(FILL, str(NEW_EVENTS), url, "8", "0").split())
    c_s, c_events, c_rows, c_rss = (
        float(x) for x in _python(JOB, "cycle", url, str(cache), str(WINDOW_DAYS)).split()
    )
    u_s, r_s, r_rows, r_rss = (
        float(x) for x in _python(JOB, "read", url, str(cache), str(WINDOW_DAYS)).split()
    )
    read_limit = max(WINDOW_READ_S * r_rows / 1_000_000, 0.5)
    return (
        f"| {b_s:.1f} s: {b_events:,.0f} events, {b_rows:,.0f} rows, {b_rss:.0f} MB; "
        f"{cache_bytes / max(b_rows, 1):.0f} B per row on disk "
        f"| {c_s:.2f} s: {new_games} new games, {c_events:,.0f} events read, {c_rows:,.0f} rows featurized, "
        f"{c_rss:.0f} MB "
        f"| {r_s:.1f} s for {r_rows:,.0f} rows (update first: {u_s:.2f} s), {r_rss:.0f} MB "
        f"({_check(r_s <= read_limit, f'window read at {size}')}; ≤ {read_limit:.1f} s) ",
        c_s,
    )


def _check(ok: bool, what: str) -> str:
    if not ok:
        targets_missed.append(what)
    return "met" if ok else "**missed**"


def run() -> str:
    sizes = [int(s) for s in os.environ.get("BENCH_LOG_SIZES", "100000,1000000").split(",")]
    rows: list[str] = []
    promote: dict[int, float] = {}
    cycle: dict[int, float] = {}
    extra = ""
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-log-") as tmp:
            path = Path(tmp) / "rps.db"
            url = f"sqlite:///{path}"
            started = time.perf_counter()
            written = int(_python(FILL, str(size), url, "7", "6").split()[0])
            fill_s = time.perf_counter() - started
            per_round = _bytes_per_round(path)
            trainer, cycle[size] = _trainer(url, Path(tmp) / "training-cache", size)
            p_first, _, _, p_rss = (float(x) for x in _python(JOB, "promote", url).split())
            _, p_games = (int(x) for x in _python(FILL, str(NEW_EVENTS), url, "9", "0").split())
            p_second, _, _, p_rss_next = (float(x) for x in _python(JOB, "promote", url).split())
            promote[size] = p_second
            rows.append(
                f"| {written:,} | {fill_s:.0f} s "
                f"| {per_round:.0f} B ({_check(per_round <= BYTES_PER_ROUND, 'bytes')}) "
                + trainer
                + f"| {p_first:.1f} s, {p_rss:.0f} MB; then {p_second:.2f} s after {p_games} new games, "
                f"{p_rss_next:.0f} MB "
                f"({_check(p_second <= PROMOTE_AFTER_FOLD_S, f'promote at {size}')}) |"
            )
            if size == sizes[0]:
                wal_mb, played, job_cycles = _wal_peak(url, path, PLAY_S)
                entries, stream_mib = _stream_mib(url) if shutil.which("redis-server") else (0, 0.0)
                extra = (
                    f"\nWAL peak during {PLAY_S:.0f} s of play ({played:,} rounds, one a transaction, "
                    f"at most {PLAY_RATE_PER_S}/s) with the trainer's cache and the promoter's fold "
                    f"reading the new events in a loop in another process ({job_cycles:,} cycles): "
                    f"{wal_mb:.1f} MB "
                    f"({_check(wal_mb <= WAL_BUDGET_MB, 'WAL')}; budget {WAL_BUDGET_MB} MB).\n"
                    f"Redis stream trimmed at STREAM_MAXLEN: {entries:,} entries, {stream_mib:.1f} MiB "
                    f"({_check(stream_mib <= STREAM_BUDGET_MIB * 1.05, 'stream')}; "
                    f"budget {STREAM_BUDGET_MIB} MiB "
                    "of maxmemory 96 MB).\n"
                )
    if len(sizes) > 1:
        small, large = promote[sizes[0]], promote[sizes[-1]]
        extra += (
            f"Promote cycle after the first fold at {sizes[-1]:,} vs {sizes[0]:,} events: {large:.1f} s vs "
            f"{small:.1f} s ({_check(large <= max(small * 1.5, 0.5), 'promote growth')}).\n"
        )
        small, large = cycle[sizes[0]], cycle[sizes[-1]]
        grown = _check(large <= max(small * 1.5, 0.5), "trainer cycle growth")
        extra += (
            f"Trainer cycle after {NEW_EVENTS:,} new events at {sizes[-1]:,} vs {sizes[0]:,} events: "
            f"{large:.2f} s vs {small:.2f} s ({grown}).\n"
        )
    missed = ", ".join(targets_missed) or "none"
    return (
        "## Event log at scale (`python -m bench log`)\n\n"
        "Store pre-filled through `EventStore.append` (200 games a transaction; sealed moves; four "
        "distinct versions predicting every model round), all inside the 7-day window. Each job in its "
        "own process (peak RSS). Trainer = its training-rows cache (`services/trainer/rowcache.py`): "
        f"built over the window from nothing, then one cycle after {NEW_EVENTS:,} events of new games "
        "(it reads and featurizes only those), then the window read from the segment files (after an "
        "update that finds nothing new). Promote = the promoter's evidence fold (`load_evidence`, "
        "its checkpoint `promoter.evidence`): the first over the whole log, then the next cycle "
        f"after {NEW_EVENTS:,} more events of new games.\n\n"
        "| events | fill | bytes per round (≤ 600) | trainer: cache build | trainer: cycle on new games "
        "| trainer: window read (≤ 5 s per 1M rows) | promote: first fold; next cycle (≤ 2 s) |\n"
        "|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n" + extra + f"\nTargets missed: {missed}.\n"
    )
