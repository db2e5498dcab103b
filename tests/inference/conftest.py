"""Real model artifacts of every family, a serving cache holding them, and the app on a real HTTP port."""

from __future__ import annotations

import dataclasses
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest
import uvicorn
from fastapi import FastAPI

from shared.features import (
    ALIASES,
    FAMILIES,
    FEATURE_CONTRACT_HASH,
    MOVES,
    Alias,
    Family,
    GameRounds,
    build_dataset,
    deterministic_round_points,
)
from shared.models import XY, FamilyParams, LoadedModel, fit_family, load_artifact, params_for
from shared.serving_cache import LocalDirectoryCache, ServingCache
from tests.conftest import S3Server, free_port, s3_server_running

# Small, fast fits; a name the family's params do not have (renamed since) is skipped, not an error.
SMALL: dict[Family, dict[str, object]] = {
    Family.FEEDFORWARD: {"hidden": (8,), "max_epochs": 2, "patience": 1, "batch_size": 64},
    Family.XGBOOST: {"max_rounds": 8, "early_stopping_rounds": 3},
    Family.MNLOGIT: {"max_iterations": 30, "max_iter": 30, "c_path": (0.1, 1.0), "patience": 1},
    Family.LIGHTGBM: {"max_rounds": 8, "early_stopping_rounds": 3},
}


def small_params(family: Family) -> FamilyParams:
    known = {f.name for f in dataclasses.fields(params_for(family))}
    return params_for(family, {k: v for k, v in SMALL[family].items() if k in known})


VERSIONS = range(1, 9)
# Two marker sets whose every alias differs in version, and in weights, from the other set's.
SET_X = {Alias.PRODUCTION: 1, Alias.B: 2, Alias.SHADOW1: 3, Alias.SHADOW2: 4}
SET_Y = {Alias.PRODUCTION: 6, Alias.B: 5, Alias.SHADOW1: 8, Alias.SHADOW2: 7}


def random_games(seed: int, n_games: int = 60, rounds: int = 12) -> list[GameRounds]:
    rng = np.random.default_rng(seed)
    games = []
    for g in range(n_games):
        user = [MOVES[i] for i in rng.integers(0, 3, rounds)]
        bot = [MOVES[i] for i in rng.integers(0, 3, rounds)]
        points = [deterministic_round_points(f"game-{seed}-{g}", r + 1) for r in range(rounds)]
        games.append(GameRounds.from_rounds(user, bot, points))
    return games


@dataclass(frozen=True)
class Artifacts:
    """Artifact directories by family and version (odd versions one fit, even versions another)."""

    root: Path

    def path(self, family: Family, version: int) -> Path:
        return self.root / family.value / str(version)

    def load(self, family: Family, version: int) -> LoadedModel:
        return load_artifact(self.path(family, version))


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Artifacts:
    import torch

    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("artifacts")
    fits = []
    for seed in (1, 2):
        data = build_dataset(random_games(seed))
        cut = int(len(data.labels) * 0.8)
        train = XY.of(data.features[:cut], data.labels[:cut])
        val = XY.of(data.features[cut:], data.labels[cut:])
        fits.append({f: fit_family(f, train, val, small_params(f)) for f in FAMILIES})
    for family in FAMILIES:
        for version in VERSIONS:
            fits[version % 2][family].save(root / family.value / str(version), version=version)
    return Artifacts(root)


def fill_cache(cache: ServingCache, artifacts: Artifacts, markers: dict[Alias, int] | None = SET_X) -> None:
    for family in FAMILIES:
        for version in VERSIONS:
            cache.put_model(family.value, version, artifacts.path(family, version))
        if markers:
            cache.write_markers(
                family.value, {a.value: (v, FEATURE_CONTRACT_HASH) for a, v in markers.items()}
            )


def point_markers(cache: ServingCache, markers: dict[Alias, int]) -> None:
    for family in FAMILIES:
        cache.write_markers(family.value, {a.value: (v, FEATURE_CONTRACT_HASH) for a, v in markers.items()})


@pytest.fixture
def cache_dir(tmp_path: Path, artifacts: Artifacts) -> Path:
    """A local serving cache with versions 1-8 of every family and markers of SET_X."""
    path = tmp_path / "serving-cache"
    fill_cache(LocalDirectoryCache(path), artifacts)
    return path


class LiveServer:
    """The app under uvicorn on a free port in a thread: real HTTP, real lifespan."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def wait_ready(self, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        with self.client() as client:
            while time.monotonic() < deadline:
                response = client.get("/readyz")
                if response.status_code == 200:
                    return response.json()
                time.sleep(0.02)
        raise AssertionError("inference never became ready")


@pytest.fixture
def serve() -> Iterator:
    """serve(app) starts a LiveServer, waits until ready, and stops it after the test."""
    servers: list[LiveServer] = []

    def start(app: FastAPI, wait: bool = True) -> LiveServer:
        server = LiveServer(app).start()
        servers.append(server)
        if wait:
            server.wait_ready()
        return server

    yield start
    for server in servers:
        server.stop()


def copy_artifact(artifacts: Artifacts, family: Family, version: int, dest: Path) -> Path:
    shutil.copytree(artifacts.path(family, version), dest)
    return dest


def every_slot() -> list[tuple[Family, Alias]]:
    return [(f, a) for f in FAMILIES for a in ALIASES]


@pytest.fixture
def stoppable_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A private S3 server for outage tests (the session's shared one must stay up)."""
    with s3_server_running(tmp_path_factory.mktemp("seaweedfs-outage")) as server:
        yield server
