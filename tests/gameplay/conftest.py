"""Gameplay test fixtures: a small real HTTP inference stand-in and apps built on real services."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from aiohttp import web
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.gameplay.app import create_app
from services.gameplay.settings import Settings
from shared.features import ALIASES
from tests.conftest import free_port, wait_for_port

TOKEN = "test-internal-token"
SECRET = "test-game-secret"
UNREACHABLE_URL = "http://127.0.0.1:9"  # discard port: nothing listens there


@dataclass
class InferenceStandIn:
    """A real HTTP server answering /predict/batch with fixed probabilities (the real inference
    service is a separate package; gameplay only needs its batch contract)."""

    aliases: tuple[str, ...] = tuple(a.value for a in ALIASES)
    probabilities: dict[str, float] = field(
        default_factory=lambda: {"rock": 0.6, "paper": 0.3, "scissors": 0.1}
    )
    delay_s: float = 0.0
    calls: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    async def predict_batch(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append(body)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        predictions = {
            alias: {"probabilities": self.probabilities, "model_version": str(i + 1), "source": "cache"}
            for i, alias in enumerate(self.aliases)
        }
        return web.json_response({"family": body["family"], "predictions": predictions})


def _serve_in_thread(
    stand_in: InferenceStandIn, port: int
) -> tuple[asyncio.AbstractEventLoop, threading.Thread]:
    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_post("/predict/batch", stand_in.predict_batch)
    runner = web.AppRunner(app, access_log=None)

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert wait_for_port(port)
    return loop, thread


@pytest.fixture
def inference() -> Iterator[InferenceStandIn]:
    stand_in = InferenceStandIn()
    port = free_port()
    stand_in.url = f"http://127.0.0.1:{port}"
    loop, thread = _serve_in_thread(stand_in, port)
    yield stand_in
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)


@pytest.fixture
def settings(sqlite_url: str, redis_url: str, inference: InferenceStandIn) -> Settings:
    return Settings(
        database_url=sqlite_url,
        redis_url=redis_url,
        inference_url=inference.url,
        internal_token=TOKEN,
        game_secret=SECRET,
        inference_timeout_ms=1000,  # generous: the shared test machine is slow at times
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def start(client: TestClient, policy: str = "forrest", **extra: Any) -> dict[str, Any]:
    response = client.post("/start_game", json={"player_name": "ada", "policy": policy, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def play_to_end(client: TestClient, game_id: str, move: str = "rock") -> list[dict[str, Any]]:
    """Play one move until the end (the stand-in makes the bot answer rock with paper: no endless draws)."""
    answers = []
    for _ in range(200):
        response = client.post("/play", json={"game_id": game_id, "user_move": move})
        assert response.status_code == 200, response.text
        answers.append(response.json())
        if answers[-1]["finished"]:
            return answers
    raise AssertionError("the game never finished")


class LiveServer:
    """The app under a real uvicorn in a thread (for real concurrency and restarts)."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", loop="asyncio")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
