"""Where models come from: serving cache (directory or S3) → MLflow registry → degraded; contract refusals."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from services.inference.main import create_app
from services.inference.slots import ModelSet, ModelSlot, SlotStatus
from services.inference.store import ModelStore, ReloadTrigger
from shared.features import ALIASES, FAMILIES, FEATURE_CONTRACT_HASH, Alias, Family
from shared.serving_cache import LocalDirectoryCache, S3Cache
from tests.conftest import free_port
from tests.inference.conftest import SET_X, Artifacts, copy_artifact, fill_cache
from tests.inference.helpers import ROW, metric, register_in_mlflow, settings_for

OTHER_HASH = "deadbeefdeadbeef"


def test_models_lists_every_family_and_alias_loaded_from_the_cache(cache_dir: Path, serve) -> None:
    server = serve(create_app(settings_for(cache_dir)))
    with server.client() as client:
        body = client.get("/models").json()
        ready = client.get("/readyz").json()
    assert body["ready"] is True
    assert body["contract_hash"] == FEATURE_CONTRACT_HASH
    assert ready == {"status": "ready", "loaded": 16, "generation": 1}
    for family in FAMILIES:
        for alias in ALIASES:
            slot = body["models"][family.value][alias.value]
            assert slot["status"] == "loaded"
            assert slot["source"] == "cache"
            assert slot["version"] == SET_X[alias]
            assert slot["contract_hash"] == FEATURE_CONTRACT_HASH
            assert slot["loaded_at"].endswith("+00:00")
            assert slot["load_seconds"] >= 0
            assert slot["error"] is None


def test_a_version_shared_by_two_aliases_is_loaded_once(tmp_path: Path, artifacts: Artifacts, serve) -> None:
    cache = LocalDirectoryCache(tmp_path / "cache")
    fill_cache(cache, artifacts, markers=dict.fromkeys(ALIASES, 3))
    server = serve(create_app(settings_for(tmp_path / "cache")))
    with server.client() as client:
        metrics = client.get("/metrics").text
        batch = client.post("/predict/batch", json={"family": "rps_bot_feedforward", "features": ROW}).json()
    for family in FAMILIES:
        assert metric(metrics, "rps_inference_model_loads_total", family=family.value, source="cache") == 1
    assert {p["model_version"] for p in batch["predictions"].values()} == {3}
    assert len({json.dumps(p["probabilities"]) for p in batch["predictions"].values()}) == 1


def test_a_model_of_another_feature_contract_is_refused_loudly(
    tmp_path: Path, artifacts: Artifacts, serve, caplog: pytest.LogCaptureFixture
) -> None:
    cache = LocalDirectoryCache(tmp_path / "cache")
    fill_cache(cache, artifacts)
    # Version 9: a model whose meta.json says it was trained on another contract; its marker says the
    # running code's hash (a stale writer), so only the artifact itself tells.
    stale = copy_artifact(artifacts, Family.XGBOOST, 1, tmp_path / "stale")
    meta = json.loads((stale / "meta.json").read_text())
    (stale / "meta.json").write_text(json.dumps({**meta, "contract_hash": OTHER_HASH, "version": 9}))
    cache.put_model(Family.XGBOOST.value, 9, stale)
    cache.set_alias(Family.XGBOOST.value, Alias.B.value, 9, FEATURE_CONTRACT_HASH)
    # And shadow1 of mnlogit points at a marker that already declares another contract.
    cache.set_alias(Family.MNLOGIT.value, Alias.SHADOW1.value, 1, OTHER_HASH)

    server = serve(create_app(settings_for(tmp_path / "cache")))
    with server.client() as client:
        models = client.get("/models").json()["models"]
        answer = client.post(
            "/predict", json={"family": "rps_bot_xgboost", "alias": "B", "features": ROW}
        ).json()
        metrics = client.get("/metrics").text

    for family, alias in ((Family.XGBOOST, Alias.B), (Family.MNLOGIT, Alias.SHADOW1)):
        slot = models[family.value][alias.value]
        assert slot["status"] == "refused"
        assert slot["source"] == "fallback"
        assert slot["contract_hash"] == OTHER_HASH
        assert slot["expected_contract_hash"] == FEATURE_CONTRACT_HASH
        assert OTHER_HASH in slot["error"] and FEATURE_CONTRACT_HASH in slot["error"]
        assert (
            metric(
                metrics,
                "rps_inference_contract_refusals_total",
                family=family.value,
                alias=alias.value,
                source="cache",
            )
            == 1
        )
    assert models["rps_bot_xgboost"]["Production"]["status"] == "loaded"
    assert answer["source"] == "fallback"
    assert answer["model_version"] is None
    assert "refused" in caplog.text and OTHER_HASH in caplog.text


def test_an_unreadable_model_fails_its_alias_only(tmp_path: Path, artifacts: Artifacts, serve) -> None:
    cache = LocalDirectoryCache(tmp_path / "cache")
    fill_cache(cache, artifacts)
    broken = copy_artifact(artifacts, Family.LIGHTGBM, 1, tmp_path / "broken")
    for path in broken.iterdir():
        if path.name != "meta.json":
            path.write_bytes(b"not a model")
    cache.put_model(Family.LIGHTGBM.value, 10, broken)
    cache.set_alias(Family.LIGHTGBM.value, Alias.SHADOW2.value, 10, FEATURE_CONTRACT_HASH)

    server = serve(create_app(settings_for(tmp_path / "cache")))
    with server.client() as client:
        models = client.get("/models").json()["models"]
        metrics = client.get("/metrics").text
    slot = models["rps_bot_lightgbm"]["shadow2"]
    assert slot["status"] == "failed"
    assert "version 10 failed to load" in slot["error"]
    assert models["rps_bot_lightgbm"]["shadow1"]["status"] == "loaded"
    assert metric(metrics, "rps_inference_model_load_failures_total", family="rps_bot_lightgbm") == 1
    assert metric(metrics, "rps_inference_model_loaded", family="rps_bot_lightgbm", alias="shadow2") == 0
    assert metric(metrics, "rps_inference_model_loaded", family="rps_bot_lightgbm", alias="shadow1") == 1


def test_models_load_from_an_s3_serving_cache(
    s3_bucket: tuple[str, str], artifacts: Artifacts, serve
) -> None:
    endpoint, bucket = s3_bucket
    fill_cache(S3Cache(bucket=bucket, endpoint_url=endpoint), artifacts)
    settings = settings_for(Path("/nonexistent"), s3_endpoint_url=endpoint, s3_bucket=bucket)
    server = serve(create_app(settings))
    with server.client() as client:
        models = client.get("/models").json()["models"]
        answer = client.post(
            "/predict", json={"family": "rps_bot_feedforward", "alias": "shadow2", "features": ROW}
        )
    assert {models[f.value][a.value]["source"] for f in FAMILIES for a in ALIASES} == {"cache"}
    assert answer.json()["model_version"] == SET_X[Alias.SHADOW2]


def test_an_unreachable_s3_cache_degrades_instead_of_failing(tmp_path: Path, serve) -> None:
    settings = settings_for(tmp_path, s3_endpoint_url=f"http://127.0.0.1:{free_port()}", s3_bucket="nowhere")
    server = serve(create_app(settings))
    with server.client() as client:
        slot = client.get("/models").json()["models"]["rps_bot_xgboost"]["Production"]
        answer = client.post(
            "/predict", json={"family": "rps_bot_xgboost", "alias": "Production", "features": ROW}
        )
    assert slot["status"] == "failed"
    assert "cache unreadable" in slot["error"]
    assert answer.json()["source"] == "fallback"


def test_an_alias_missing_from_the_cache_loads_from_the_mlflow_registry(
    tmp_path: Path, artifacts: Artifacts, serve
) -> None:
    tracking_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    registered = register_in_mlflow(tracking_uri, artifacts, Family.MNLOGIT, Alias.SHADOW1, version_of=2)
    cache = LocalDirectoryCache(tmp_path / "cache")
    fill_cache(cache, artifacts)
    cache.remove_alias(Family.MNLOGIT.value, Alias.SHADOW1.value)
    cache.remove_alias(Family.XGBOOST.value, Alias.SHADOW2.value)

    server = serve(create_app(settings_for(tmp_path / "cache", mlflow_tracking_uri=tracking_uri)))
    with server.client() as client:
        models = client.get("/models").json()["models"]
        answer = client.post(
            "/predict", json={"family": "rps_bot_mnlogit", "alias": "shadow1", "features": ROW}
        )
        metrics = client.get("/metrics").text
    slot = models["rps_bot_mnlogit"]["shadow1"]
    assert (slot["status"], slot["source"], slot["version"]) == ("loaded", "registry", registered)
    assert answer.json()["source"] == "registry"
    assert models["rps_bot_xgboost"]["shadow2"]["status"] == "absent"  # not in the cache, nor registered
    assert (
        metric(metrics, "rps_inference_model_loads_total", family="rps_bot_mnlogit", source="registry") == 1
    )
    assert answer.json()["probabilities"] == pytest.approx(
        dict(
            zip(
                ("rock", "paper", "scissors"),
                artifacts.load(Family.MNLOGIT, 2).predict_proba([ROW])[0],
                strict=True,
            )
        )
    )


def test_the_serving_path_never_imports_mlflow(cache_dir: Path) -> None:
    """With every alias in the cache, start-up and predictions leave mlflow unimported (it costs ~160 MB)."""
    script = f"""
import sys
from fastapi.testclient import TestClient
from services.inference.main import create_app
from services.inference.settings import Settings
settings = Settings(serving_cache_dir={str(cache_dir)!r}, listen_events=False)
with TestClient(create_app(settings)) as client:
    import time
    while client.get('/readyz').status_code != 200:
        time.sleep(0.01)
    body = {{'family': 'rps_bot_xgboost', 'alias': 'B', 'features': {ROW!r}}}
    assert client.post('/predict', json=body).json()['source'] == 'cache'
print('mlflow' in sys.modules)
"""
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{cache_dir / 'exists.db'}"}
    (cache_dir / "exists.db").write_bytes(b"")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_the_cli_serves_until_ready(cache_dir: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "SERVING_CACHE_DIR": str(cache_dir),
        "LISTEN_EVENTS": "false",
        "MLFLOW_TRACKING_URI": "",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "services.inference", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz").json()
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert ready["loaded"] == 16


def test_an_empty_challenger_slot_is_logged_as_info_and_a_missing_production_as_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    before = ModelSet.pending("t0")
    slots = {(s.family, s.alias): ModelSlot(s.family, s.alias, SlotStatus.ABSENT) for s in before}
    caplog.set_level(logging.INFO, logger="services.inference.store")
    ModelStore._log_changes(before, ModelSet(slots, generation=1, created_at="t1"), ReloadTrigger.STARTUP)
    levels = {r.getMessage().split(":")[0]: r.levelno for r in caplog.records}
    assert levels["rps_bot_xgboost@Production"] == logging.WARNING  # games fall back: ops must look
    assert levels["rps_bot_xgboost@shadow1"] == logging.INFO  # no challenger yet: the normal state
    assert "rps_bot_xgboost@B: absent (fallback) [startup]" in caplog.text  # no "vNone"
