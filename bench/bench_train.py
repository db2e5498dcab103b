"""One training cycle of all four families on 50,000 rounds: wall time and peak RSS.

Targets (issue 5): under 5 minutes and under 1.5 GiB on the 2-core machine. The cycle runs
in a child process (so peak RSS is the training job's alone, imports included) against a
SQLite event store filled with generated games, a MLflow SQLite store and a local serving
cache: data → three-step pipeline × 4 → MLflow logging and registration → events → sync.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROUNDS = int(os.environ.get("BENCH_TRAIN_ROUNDS", "50000"))
TARGET_S = 300.0
TARGET_RSS_GIB = 1.5
ROOT = Path(__file__).resolve().parent.parent


def _child(workdir: Path) -> None:
    """Fill the store (not timed), then time one run_training over every family."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    from services.trainer.cycle import Edges, Options, run_training
    from services.trainer.synthetic import append_games, games_for_rounds
    from shared.events import EventStore
    from shared.registry import ReloadResult, open_client
    from shared.serving_cache import LocalDirectoryCache

    store = EventStore.from_url(f"sqlite:///{workdir / 'rps.db'}")
    games = games_for_rounds(ROUNDS, seed=11)
    start = datetime.now(UTC) - timedelta(days=1)
    for i, game in enumerate(games):
        game.started_at = start + timedelta(seconds=i)
    started = time.perf_counter()
    append_games(store, games, batch=500)
    fill_s = time.perf_counter() - started
    edges = Edges(
        store=store,
        client=open_client(f"sqlite:///{workdir / 'mlflow.db'}"),
        cache=LocalDirectoryCache(workdir / "serving-cache"),
        reload=lambda: ReloadResult(False, "skipped (benchmark)"),
        rows_dir=workdir / "training-cache",
        artifacts_dir=workdir / "mlartifacts",
    )
    started = time.perf_counter()
    report = run_training(edges, Options())
    cycle_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "fill_s": fill_s,
                "cycle_s": cycle_s,
                "rows": report.rows,
                "games": report.games,
                "families": [
                    {
                        "family": o.family.value,
                        "status": o.status,
                        "holdout_accuracy": o.metrics.get("holdout_accuracy"),
                        "holdout_game_win_rate": o.metrics.get("holdout_game_win_rate"),
                        "best_iteration": o.metrics.get("candidate_best_iteration"),
                    }
                    for o in report.outcomes
                ],
            }
        )
    )


def run() -> str:
    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.bench_train", tmp],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert process.stdout is not None
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        return f"## Training cycle\n\nFAILED (exit {process.returncode}).\n"
    result = json.loads(output.strip().splitlines()[-1])
    peak_gib = usage.ru_maxrss / 1024**2  # ru_maxrss is KiB on Linux
    cycle_s = result["cycle_s"]
    lines = [
        "## Training cycle (bench_train)",
        "",
        f"One `run_training` of all four families (default hyperparameters, 1 thread each) on "
        f"{result['rows']:,} rounds of {result['games']:,} generated games: event store read, three-step "
        "pipeline (5 fits per family), MLflow SQLite logging + registration, events, serving-cache sync. "
        "Peak RSS is the whole child process (imports included).",
        "",
        "| measure | value | target | |",
        "|---|---|---|---|",
        f"| wall time of the cycle | {cycle_s:.1f} s | < {TARGET_S:.0f} s | "
        f"{'ok' if cycle_s < TARGET_S else 'MISSED'} |",
        f"| peak RSS | {peak_gib:.2f} GiB | < {TARGET_RSS_GIB} GiB | "
        f"{'ok' if peak_gib < TARGET_RSS_GIB else 'MISSED'} |",
        f"| filling the event store (not timed above) | {result['fill_s']:.1f} s | | |",
        "",
        "| family | status | holdout accuracy | holdout game win rate | candidate best iteration |",
        "|---|---|---|---|---|",
    ]
    for f in result["families"]:
        acc, win = f["holdout_accuracy"], f["holdout_game_win_rate"]
        lines.append(
            f"| {f['family']} | {f['status']} | {acc:.3f} | {win:.3f} | {f['best_iteration']:.0f} |"
            if acc is not None
            else f"| {f['family']} | {f['status']} | | | |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    _child(Path(sys.argv[1]))
