"""Every registered version is a standard MLflow model: pyfunc flavour with the project's own loader,
a signature and an input example, the contract and experts hashes as tags; MLflow's own tools load
and serve it and answer what inference answers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import mlflow
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from mlflow import MlflowClient

from services.inference.main import create_app
from shared.features import FAMILIES, FEATURE_CONTRACT_HASH, FEATURE_NAMES, Alias, Family
from shared.features.experts import EXPERTS_HASH
from shared.models import XY, fit_family
from shared.registry import open_client, register_version, set_aliases, sync_serving_cache
from shared.serving_cache import LocalDirectoryCache
from tests.conftest import free_port
from tests.inference.helpers import settings_for
from tests.models.conftest import small_params

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, train_val: tuple[XY, XY]) -> Iterator[str]:
    """An MLflow store with version 1 of every family registered and aliased Production; the
    fluent API points at it."""
    root = tmp_path_factory.mktemp("pyfunc")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    client = open_client(uri)
    experiment = client.create_experiment("pyfunc", artifact_location=(root / "mlartifacts").as_uri())
    for family in FAMILIES:
        run = client.create_run(experiment)
        directory = root / "artifacts" / family.value
        fit_family(family, *train_val, small_params(family)).save(directory, run_id=run.info.run_id)
        version = register_version(client, family, run.info.run_id, directory)
        set_aliases(client, family, {Alias.PRODUCTION: version})
        client.set_terminated(run.info.run_id)
    previous = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    yield uri
    mlflow.set_tracking_uri(previous[0])
    mlflow.set_registry_uri(previous[1])


@pytest.fixture
def registry(store: str) -> MlflowClient:
    return open_client(store)


def _rows(train_val: tuple[XY, XY]) -> pd.DataFrame:
    return pd.DataFrame(train_val[1].x[:5].astype(np.float64), columns=list(FEATURE_NAMES))


def test_each_family_loads_with_mlflow_pyfunc_and_answers_what_inference_answers(
    registry: MlflowClient, train_val: tuple[XY, XY], tmp_path: Path
) -> None:
    cache_dir = tmp_path / "serving-cache"
    sync_serving_cache(LocalDirectoryCache(cache_dir), registry, clean=True)
    rows = _rows(train_val)
    with TestClient(create_app(settings_for(cache_dir))) as inference:
        deadline = time.monotonic() + 60
        while inference.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "inference did not load the synced cache"
            time.sleep(0.1)
        for family in FAMILIES:
            model = mlflow.pyfunc.load_model(f"models:/{family.value}@Production")
            assert model.metadata.get_input_schema().input_names() == list(FEATURE_NAMES)
            assert model.metadata.get_output_schema().input_names() == ["rock", "paper", "scissors"]
            predicted = model.predict(rows)
            for i, features in enumerate(rows.to_numpy().tolist()):
                answer = inference.post(
                    "/predict", json={"family": family.value, "alias": "Production", "features": features}
                )
                assert answer.status_code == 200, answer.text
                assert answer.json()["source"] == "cache"
                served = answer.json()["probabilities"]
                assert [served[m] for m in ("rock", "paper", "scissors")] == pytest.approx(
                    predicted.iloc[i].tolist(), abs=1e-6
                ), family


def test_each_version_has_a_signature_an_input_example_and_its_hashes_as_tags(
    registry: MlflowClient, tmp_path: Path
) -> None:
    for family in FAMILIES:
        version = registry.get_model_version(family.value, "1")
        expected_experts = EXPERTS_HASH if family in (Family.MNLOGIT, Family.XGBOOST) else "none"
        assert version.tags == {"contract_hash": FEATURE_CONTRACT_HASH, "experts_hash": expected_experts}
        local = Path(
            mlflow.artifacts.download_artifacts(f"models:/{family.value}/1", dst_path=str(tmp_path / family))
        )
        info = mlflow.models.Model.load(local / "MLmodel")
        assert info.flavors["python_function"]["loader_module"] == "shared.models.pyfunc"
        assert info.load_input_example(str(local)).shape == (1, len(FEATURE_NAMES))
        assert (local / "data" / "artifact" / "meta.json").is_file()  # the lean artifact the cache keeps


def test_mlflow_models_serve_answers_a_request(store: str) -> None:
    port = free_port()
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"  # an activated venv
    env = {**os.environ, "MLFLOW_TRACKING_URI": store, "PYTHONPATH": str(ROOT), "PATH": path}
    command = [sys.executable, "-m", "mlflow", "models", "serve", "--env-manager", "local"]
    command += ["-m", f"models:/{Family.MNLOGIT.value}@Production", "-p", str(port), "-w", "1"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            assert time.monotonic() < deadline, "mlflow models serve did not start"
            try:
                if httpx.get(f"{url}/ping", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        example = mlflow.pyfunc.load_model(f"models:/{Family.MNLOGIT.value}@Production").input_example
        body = {"dataframe_split": example.to_dict(orient="split")}
        response = httpx.post(f"{url}/invocations", json=body, timeout=30.0)
        assert response.status_code == 200, response.text
        (prediction,) = response.json()["predictions"]
        assert set(prediction) == {"rock", "paper", "scissors"}
        assert sum(prediction.values()) == pytest.approx(1.0)
    finally:
        server.terminate()
        server.wait(timeout=30)
