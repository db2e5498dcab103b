"""Hot reload: POST /models/reload (internal token) and AliasesChanged events swap whole model sets."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import redis

from services.inference.main import create_app
from shared.features import ALIASES, FAMILIES, Alias, Family
from shared.registry import ReloadResult, reload_inference
from shared.serving_cache import LocalDirectoryCache, S3Cache
from tests.conftest import RedisServer, S3Server, free_port
from tests.inference.conftest import (
    SET_X,
    SET_Y,
    Artifacts,
    LiveServer,
    fill_cache,
    point_markers,
)
from tests.inference.helpers import ROW, expected, metric, settings_for

TOKEN = {"Authorization": "Bearer secret-token"}


def versions(server: LiveServer, family: Family = Family.XGBOOST) -> dict[str, int | None]:
    with server.client() as client:
        models = client.get("/models").json()["models"][family.value]
    return {alias: slot["version"] for alias, slot in models.items()}


def as_names(markers: dict[Alias, int]) -> dict[str, int]:
    return {a.value: v for a, v in markers.items()}


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        ({}, 401, "missing internal token"),
        ({"Authorization": "Bearer wrong"}, 403, "does not match"),
        ({"X-Internal-Token": "wrong"}, 403, "does not match"),
        ({"Authorization": "Basic secret-token"}, 401, "missing internal token"),
    ],
)
def test_reload_needs_the_internal_token(
    cache_dir: Path, serve, headers: dict, status: int, message: str
) -> None:
    server = serve(create_app(settings_for(cache_dir)))
    with server.client() as client:
        response = client.post("/models/reload", headers=headers)
    assert response.status_code == status
    assert message in response.json()["detail"]


def test_reload_is_off_without_a_configured_token(cache_dir: Path, serve) -> None:
    server = serve(create_app(settings_for(cache_dir, internal_token=None)))
    with server.client() as client:
        response = client.post("/models/reload", headers=TOKEN)
    assert response.status_code == 503
    assert "INTERNAL_TOKEN" in response.json()["detail"]


def test_trainer_and_promoter_reload_call_tolerates_every_answer(cache_dir: Path, serve) -> None:
    server = serve(create_app(settings_for(cache_dir)))
    assert reload_inference(server.url + "/", "secret-token") == ReloadResult(True, "ok")
    assert reload_inference(server.url, "wrong") == ReloadResult(False, "failed: HTTP 403")
    skipped = reload_inference(server.url, None)
    assert not skipped.ok and skipped.status.startswith("skipped: INTERNAL_TOKEN not set")
    down = reload_inference(f"http://127.0.0.1:{free_port()}", "secret-token")
    assert not down.ok and down.status.startswith("failed: ")


@pytest.mark.parametrize("headers", [TOKEN, {"X-Internal-Token": "secret-token"}])
def test_reload_loads_only_what_changed(cache_dir: Path, serve, headers: dict) -> None:
    server = serve(create_app(settings_for(cache_dir)))
    cache = LocalDirectoryCache(cache_dir)
    cache.set_alias(
        Family.XGBOOST.value, Alias.SHADOW2.value, 7, cache.read_markers("rps_bot_xgboost")["B"].contract_hash
    )
    with server.client() as client:
        response = client.post("/models/reload", headers=headers)
        metrics = client.get("/metrics").text
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["generation"] == 2
    assert body["models"]["rps_bot_xgboost"]["shadow2"]["version"] == 7
    assert body["models"]["rps_bot_xgboost"]["Production"]["version"] == SET_X[Alias.PRODUCTION]
    # Four versions per family at start-up, then only the one new version.
    assert metric(metrics, "rps_inference_model_loads_total", family="rps_bot_xgboost", source="cache") == 5
    assert metric(metrics, "rps_inference_model_loads_total", family="rps_bot_lightgbm", source="cache") == 4
    assert metric(metrics, "rps_inference_reloads_total", trigger="api", outcome="ok") == 1


def test_no_request_fails_or_sees_a_mixed_model_set_during_reloads(
    cache_dir: Path, serve, artifacts: Artifacts
) -> None:
    """Clients hammer /predict/batch and /predict over HTTP while the marker sets flip and reload 12 times."""
    server = serve(create_app(settings_for(cache_dir)))
    cache = LocalDirectoryCache(cache_dir)
    wanted = {
        name: {
            family: {alias: expected(artifacts, family, markers[alias]) for alias in ALIASES}
            for family in FAMILIES
        }
        for name, markers in (("X", SET_X), ("Y", SET_Y))
    }
    sets = {"X": as_names(SET_X), "Y": as_names(SET_Y)}
    problems: list[str] = []
    seen: dict[str, int] = {"X": 0, "Y": 0}
    stop = threading.Event()
    answered = [0]

    def hammer(family: Family) -> None:
        with server.client() as client:
            while not stop.is_set():
                response = client.post("/predict/batch", json={"family": family.value, "features": ROW})
                if response.status_code != 200:
                    problems.append(f"{response.status_code}: {response.text}")
                    continue
                predictions = response.json()["predictions"]
                got = {alias: p["model_version"] for alias, p in predictions.items()}
                name = next((n for n, s in sets.items() if s == got), None)
                if name is None:
                    problems.append(f"mixed or incomplete set: {got}")
                    continue
                seen[name] += 1
                for alias, p in predictions.items():
                    if p["probabilities"] != pytest.approx(wanted[name][family][Alias(alias)]):
                        problems.append(
                            f"{family}@{alias} v{p['model_version']} answered another model's numbers"
                        )
                single = client.post("/predict", json={"family": family.value, "alias": "B", "features": ROW})
                if single.status_code != 200 or single.json()["source"] != "cache":
                    problems.append(f"/predict: {single.status_code} {single.text}")
                answered[0] += 1

    clients = [threading.Thread(target=hammer, args=(f,)) for f in FAMILIES]
    for thread in clients:
        thread.start()
    try:
        with server.client() as admin:
            for flip in range(12):
                markers = SET_Y if flip % 2 == 0 else SET_X
                point_markers(cache, markers)
                response = admin.post("/models/reload", headers=TOKEN)
                assert response.status_code == 200, response.text
                time.sleep(0.05)
    finally:
        stop.set()
        for thread in clients:
            thread.join()
    assert problems == []
    assert seen["X"] > 0 and seen["Y"] > 0
    assert answered[0] > 20


def wait_for(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def aliases_changed(client: redis.Redis, family: Family) -> None:
    """The stream entry shape of shared.events' outbox (a `type` field plus the whole event as JSON)."""
    client.xadd(
        "rps:events",
        {
            "event_id": f"e-{time.monotonic_ns()}",
            "type": "AliasesChanged",
            "aggregate_id": family.value,
            "event": "{}",
        },
    )


def test_an_aliases_changed_event_reloads_every_replica(cache_dir: Path, serve, redis_url: str) -> None:
    replicas = [
        serve(create_app(settings_for(cache_dir, redis_url=redis_url, listen_events=True))) for _ in range(2)
    ]
    client = redis.Redis.from_url(redis_url)
    wait_for(lambda: all(r.app.state.services.store.ready for r in replicas))
    wait_for(lambda: all(r.app.state.listener.connected for r in replicas))  # took its place in the stream
    client.xadd("rps:events", {"type": "RoundPlayed", "event": "{}"})  # other events do not reload

    point_markers(LocalDirectoryCache(cache_dir), SET_Y)
    aliases_changed(client, Family.XGBOOST)

    for replica in replicas:
        wait_for(lambda r=replica: versions(r) == as_names(SET_Y))
        with replica.client() as http:
            metrics = http.get("/metrics").text
        assert metric(metrics, "rps_inference_reloads_total", trigger="event", outcome="ok") == 1


def test_the_listener_survives_redis_going_away(
    cache_dir: Path, serve, redis_url: str, redis_server: RedisServer
) -> None:
    server = serve(create_app(settings_for(cache_dir, redis_url=redis_url, listen_events=True)))
    wait_for(lambda: server.app.state.listener.connected)
    redis_server.stop()
    try:
        point_markers(LocalDirectoryCache(cache_dir), SET_Y)
        with server.client() as client:
            during = client.post(
                "/predict", json={"family": "rps_bot_mnlogit", "alias": "B", "features": ROW}
            )
        assert during.status_code == 200
        assert during.json()["model_version"] == SET_X[Alias.B]
        time.sleep(0.5)
    finally:
        redis_server.start()
    # Back: the listener reloads once, since an AliasesChanged may have gone by unseen.
    wait_for(lambda: versions(server) == as_names(SET_Y))
    with server.client() as client:
        metrics = client.get("/metrics").text
    assert metric(metrics, "rps_inference_event_stream_errors_total") >= 1

    point_markers(LocalDirectoryCache(cache_dir), SET_X)
    aliases_changed(redis.Redis.from_url(redis_url), Family.MNLOGIT)
    wait_for(lambda: versions(server) == as_names(SET_X))


def test_a_reload_during_an_s3_and_registry_outage_keeps_every_loaded_model(
    stoppable_s3: S3Server, artifacts: Artifacts, serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S3 stopped, registry unreachable: the reload keeps all 16 models and says so; S3 back: it loads."""
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "3")
    bucket = "rps-outage"
    S3Cache(bucket=bucket, endpoint_url=stoppable_s3.endpoint).client.create_bucket(Bucket=bucket)
    fill_cache(S3Cache(bucket=bucket, endpoint_url=stoppable_s3.endpoint), artifacts)
    settings = settings_for(
        Path("/nonexistent"),
        s3_endpoint_url=stoppable_s3.endpoint,
        s3_bucket=bucket,
        mlflow_tracking_uri=f"http://127.0.0.1:{free_port()}",  # nothing listens: the registry is down
    )
    server = serve(create_app(settings))
    with server.client() as client:
        started = client.get("/models").json()
    assert started["last_reload"]["outcome"] == "ok"
    assert {s["status"] for f in started["models"].values() for s in f.values()} == {"loaded"}

    stoppable_s3.stop()
    with server.client() as client:
        response = client.post("/models/reload", headers=TOKEN)
        answer = client.post(
            "/predict", json={"family": "rps_bot_feedforward", "alias": "B", "features": ROW}
        )
        metrics = client.get("/metrics").text
    assert response.status_code == 200, response.text
    body = response.json()
    slots = [body["models"][f.value][a.value] for f in FAMILIES for a in ALIASES]
    assert {s["status"] for s in slots} == {"kept"}
    assert [s["version"] for s in slots] == [SET_X[a] for _ in FAMILIES for a in ALIASES]
    assert all("cache unreadable" in s["error"] and "registry" in s["error"] for s in slots)
    assert body["last_reload"]["outcome"] == "partial"
    assert body["last_successful_reload_at"] == started["last_successful_reload_at"]
    assert answer.json()["source"] == "cache" and answer.json()["model_version"] == SET_X[Alias.B]
    assert answer.json()["probabilities"] == pytest.approx(
        expected(artifacts, Family.FEEDFORWARD, SET_X[Alias.B])
    )
    assert metric(metrics, "rps_inference_reloads_total", trigger="api", outcome="partial") == 1
    assert metric(metrics, "rps_inference_model_loaded", family="rps_bot_xgboost", alias="shadow1") == 1
    assert metric(metrics, "rps_inference_model_kept", family="rps_bot_xgboost", alias="shadow1") == 1
    assert metric(metrics, "rps_inference_models_kept_total", family="rps_bot_lightgbm", alias="B") == 1
    assert metric(metrics, "rps_inference_last_successful_reload_timestamp_seconds") > 0

    stoppable_s3.start()
    point_markers(S3Cache(bucket=bucket, endpoint_url=stoppable_s3.endpoint), SET_Y)
    with server.client() as client:
        back = client.post("/models/reload", headers=TOKEN).json()
        metrics = client.get("/metrics").text
    assert {back["models"][f.value][a.value]["status"] for f in FAMILIES for a in ALIASES} == {"loaded"}
    assert versions(server) == as_names(SET_Y)
    assert back["last_reload"]["outcome"] == "ok"
    assert back["last_successful_reload_at"] == back["last_reload"]["finished_at"]
    assert metric(metrics, "rps_inference_model_kept", family="rps_bot_xgboost", alias="shadow1") == 0


def test_a_reload_with_unchanged_markers_loads_nothing_and_marks_each_alias_loaded(
    cache_dir: Path, serve
) -> None:
    server = serve(create_app(settings_for(cache_dir)))
    with server.client() as client:
        before = client.get("/models").json()
        after = client.post("/models/reload", headers=TOKEN).json()
        metrics = client.get("/metrics").text
    assert after["generation"] == before["generation"] + 1
    for family in FAMILIES:
        for alias in ALIASES:
            old, new = before["models"][family.value][alias.value], after["models"][family.value][alias.value]
            assert (new["status"], new["version"], new["loaded_at"]) == (
                "loaded",
                old["version"],
                old["loaded_at"],
            )
        assert metric(metrics, "rps_inference_model_loads_total", family=family.value, source="cache") == 4
