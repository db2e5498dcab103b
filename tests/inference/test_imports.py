"""The serving process stays lean: `python -m services.inference serve` never imports torch, pandas, pyarrow
or mlflow, even with all 16 models loaded (mlflow only on the registry fallback)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRAINING_ONLY = ("torch", "pandas", "pyarrow", "mlflow", "sklearn")

# What `python -m services.inference serve` runs up to uvicorn.run, then the app's own lifespan
# (start-up load from the cache) and one prediction per family.
SERVE = """
import asyncio, json, sys
import uvicorn
from services.inference.__main__ import main
from services.inference.libraries import import_model_libraries
from services.inference.main import create_app
from services.inference.settings import Settings
from shared.features import ALIASES, FAMILIES, Alias

import_model_libraries()
app = create_app(Settings(serving_cache_dir=sys.argv[1], mlflow_tracking_uri="", listen_events=False))

async def load_and_predict():
    services = app.state.services
    async with app.router.lifespan_context(app):
        while not services.store.ready:
            await asyncio.sleep(0.01)
        models = services.store.current
        for family in FAMILIES:
            services.predictor.predict(models, family, Alias.PRODUCTION, [[0.5] * 50])
        return sum(1 for slot in models if slot.model is not None)

loaded = asyncio.run(load_and_predict())
print(json.dumps({"loaded": loaded, "imported": sorted(m for m in sys.argv[2:] if m in sys.modules)}))
"""


def test_serving_with_every_model_loaded_imports_no_training_library(cache_dir: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", SERVE, str(cache_dir), *TRAINING_ONLY],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == '{"loaded": 16, "imported": []}', out.stderr
