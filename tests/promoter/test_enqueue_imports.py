"""`promote --enqueue` (the CronJob) must stay small: it imports neither MLflow nor SciPy nor torch."""

from __future__ import annotations

import subprocess
import sys

from tests.deploy.tools import REPO

HEAVY = ("mlflow", "scipy", "torch", "xgboost", "lightgbm")


def test_enqueue_path_imports_no_heavy_library() -> None:
    code = (
        "import sys, redis, rq\n"
        "import services.promoter.__main__ as cli\n"
        "assert cli.PROMOTE_TIMEOUT_S > 0 and cli.PROMOTION_QUEUE == 'promotion'\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "", f"the enqueue path imports {done.stdout.strip()}"
