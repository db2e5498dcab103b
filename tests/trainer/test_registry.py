from __future__ import annotations

from pathlib import Path

import pytest
from mlflow import MlflowClient

from shared.features import FEATURE_CONTRACT_HASH, Alias, Family
from shared.models import XY, fit_family, load_artifact, params_for
from shared.registry import (
    VersionNotFoundError,
    download_version,
    read_aliases,
    register_version,
    set_aliases,
    sync_serving_cache,
    version_contract_hash,
)
from shared.serving_cache import LocalDirectoryCache, S3Cache

TINY = {"c_path": (0.1,), "max_iter": 20}


def _register(client: MlflowClient, artifact_root: Path, data: tuple[XY, XY], tmp: Path, n: int) -> list[int]:
    experiment = client.create_experiment(f"exp-{tmp.name}-{n}", artifact_location=artifact_root.as_uri())
    versions = []
    for i in range(n):
        model = fit_family(Family.MNLOGIT, *data, params_for(Family.MNLOGIT, {**TINY, "seed": i}))
        directory = tmp / f"artifact-{i}"
        run = client.create_run(experiment)
        model.save(directory, run_id=run.info.run_id)
        versions.append(register_version(client, Family.MNLOGIT, run.info.run_id, directory))
        client.set_terminated(run.info.run_id)
    return versions


def test_register_then_read_and_move_aliases(
    mlflow_client: MlflowClient, artifact_root: Path, train_val: tuple[XY, XY], tmp_path: Path
) -> None:
    assert read_aliases(mlflow_client, Family.MNLOGIT) == {}
    v1, v2 = _register(mlflow_client, artifact_root, train_val, tmp_path, 2)
    assert (v1, v2) == (1, 2)
    assert version_contract_hash(mlflow_client, Family.MNLOGIT, v2) == FEATURE_CONTRACT_HASH

    set_aliases(mlflow_client, Family.MNLOGIT, dict.fromkeys(Alias, v1))
    set_aliases(mlflow_client, Family.MNLOGIT, {Alias.SHADOW2: v2, Alias.SHADOW1: None})
    assert read_aliases(mlflow_client, Family.MNLOGIT) == {
        Alias.PRODUCTION: v1,
        Alias.B: v1,
        Alias.SHADOW2: v2,
    }


def test_set_aliases_to_a_missing_version_moves_nothing(
    mlflow_client: MlflowClient, artifact_root: Path, train_val: tuple[XY, XY], tmp_path: Path
) -> None:
    (v1,) = _register(mlflow_client, artifact_root, train_val, tmp_path, 1)
    set_aliases(mlflow_client, Family.MNLOGIT, {Alias.PRODUCTION: v1})
    with pytest.raises(VersionNotFoundError):
        set_aliases(mlflow_client, Family.MNLOGIT, {Alias.B: v1, Alias.PRODUCTION: 99})
    assert read_aliases(mlflow_client, Family.MNLOGIT) == {Alias.PRODUCTION: v1}


def test_download_version_gives_the_artifact_that_was_registered(
    mlflow_client: MlflowClient, artifact_root: Path, train_val: tuple[XY, XY], tmp_path: Path
) -> None:
    (v1,) = _register(mlflow_client, artifact_root, train_val, tmp_path, 1)
    local = download_version(mlflow_client, Family.MNLOGIT, v1, tmp_path / "download")
    original = load_artifact(tmp_path / "artifact-0").predict_proba(train_val[1].x)
    assert (load_artifact(local).predict_proba(train_val[1].x) == original).all()
    with pytest.raises(VersionNotFoundError):
        download_version(mlflow_client, Family.MNLOGIT, 42, tmp_path / "nope")


@pytest.mark.parametrize("backend", ["directory", "s3"])
def test_sync_serving_cache_holds_exactly_the_aliased_models(
    backend: str,
    request: pytest.FixtureRequest,
    mlflow_client: MlflowClient,
    artifact_root: Path,
    train_val: tuple[XY, XY],
    tmp_path: Path,
) -> None:
    if backend == "s3":
        endpoint, bucket = request.getfixturevalue("s3_bucket")
        cache = S3Cache(bucket=bucket, endpoint_url=endpoint)
    else:
        cache = LocalDirectoryCache(tmp_path / "cache")
    v1, v2, v3 = _register(mlflow_client, artifact_root, train_val, tmp_path, 3)
    set_aliases(mlflow_client, Family.MNLOGIT, {Alias.PRODUCTION: v1, Alias.B: v2, Alias.SHADOW1: v2})
    first = sync_serving_cache(cache, mlflow_client)
    assert sorted(r.version for r in first.uploaded) == [v1, v2]
    assert {a: m.version for a, m in cache.read_markers(Family.MNLOGIT).items()} == {
        "Production": v1,
        "B": v2,
        "shadow1": v2,
    }

    set_aliases(mlflow_client, Family.MNLOGIT, {Alias.B: v3, Alias.SHADOW1: None})
    second = sync_serving_cache(cache, mlflow_client, clean=True)
    assert [r.version for r in second.uploaded] == [v3]
    assert second.removed_markers == [(Family.MNLOGIT.value, "shadow1")]
    assert [r.version for r in second.removed_models] == [v2]
    assert [r.version for r in cache.list_models()] == [v1, v3]
    markers = cache.read_markers(Family.MNLOGIT)
    assert {a: m.version for a, m in markers.items()} == {"Production": v1, "B": v3}
    assert markers["B"].contract_hash == FEATURE_CONTRACT_HASH
    with cache.model_dir(Family.MNLOGIT, v3) as directory:
        assert load_artifact(directory).meta.version == v3  # stamped on the way in
