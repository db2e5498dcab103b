"""A fresh SQLite MLflow store opened by several processes at once (a training job and a promotion cycle)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.e2e.stack import ROOT

OPEN_AND_READ = (
    "import sys; from shared.registry import open_client; "
    "open_client(sys.argv[1]).search_registered_models(); print('ok')"
)


def test_processes_opening_a_fresh_sqlite_store_together_all_succeed(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AND_READ, uri],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in processes]
    failures = [err[-2000:] for p, (_, err) in zip(processes, outputs, strict=True) if p.returncode != 0]
    assert not failures, failures
