"""`/play` over the full path: gameplay (uvicorn) → SQLite append → Redis stream, inference answering
all four aliases of the game's family; a bare FastAPI endpoint in the same run as the reference.

Every server runs in its own process; the load generator is aiohttp in this process. Inference is
the real service (services/inference) on a serving cache of freshly fitted small models when it
can start, else a minimal stand-in that answers /predict/batch with fixed probabilities.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import BaseModel

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
POLICIES = ("brian", "forrest", "logan", "lily")
MOVES = ("rock", "paper", "scissors")
SINGLE_PLAYS = 1500
# The machine the targets were set on answered the bare endpoint in 0.25 ms (p50, one client;
# ../shared/PERF-NOTES.md). A run's own bare p50 over this is its machine's slowness, by which the
# targets are also judged scaled: on a shared VM the same code measured 0.23 ms one day, 0.73 the next.
REFERENCE_BARE_P50_MS = 0.25
WARMUP_S = 2.0
CONCURRENT_S = 10.0
CLIENTS = 16
BENCH_TOKEN = "bench"

# -- the servers ----------------------------------------------------------------------------------


class EchoBody(BaseModel):
    game_id: str
    user_move: str


def bare_app() -> Any:
    """The reference: a FastAPI POST endpoint that parses a small JSON body and answers one."""
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/echo")
    async def echo(body: EchoBody) -> dict[str, str]:
        return {"game_id": body.game_id, "user_move": body.user_move}

    return app


def serve_stand_in(port: int) -> None:
    """Minimal inference stand-in: every alias answers the same fixed probabilities."""
    import orjson
    from aiohttp import web

    aliases = ("Production", "B", "shadow1", "shadow2")
    probabilities = {"rock": 0.45, "paper": 0.35, "scissors": 0.2}

    async def predict_batch(request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        predictions = {
            a: {"probabilities": probabilities, "model_version": "1", "source": "cache"} for a in aliases
        }
        return web.Response(
            body=orjson.dumps({"family": body["family"], "predictions": predictions}),
            content_type="application/json",
        )

    app = web.Application()
    app.router.add_post("/predict/batch", predict_batch)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def wait_for_http(url: str, timeout: float = 90.0) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status < 500:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer in {timeout:.0f} s")
        time.sleep(0.2)


@contextmanager
def process(args: list[str], env: dict[str, str] | None = None, log: Path | None = None) -> Iterator[None]:
    out = log.open("wb") if log else subprocess.DEVNULL
    proc = subprocess.Popen(
        args, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT
    )
    try:
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log:
            out.close()  # type: ignore[union-attr]


def build_serving_cache(path: Path) -> None:
    """Small real models of the four families, each alias its own version (as in production)."""
    import numpy as np
    import torch

    from shared.features import (
        ALIASES,
        FAMILIES,
        FEATURE_CONTRACT_HASH,
        GameRounds,
        build_dataset,
        deterministic_round_points,
    )
    from shared.features import MOVES as CORE_MOVES
    from shared.models import XY, fit_family, params_for
    from shared.serving_cache import LocalDirectoryCache

    torch.set_num_threads(1)
    rng = np.random.default_rng(7)
    games = []
    for g in range(300):
        user = [CORE_MOVES[i] for i in rng.integers(0, 3, 14)]
        bot = [CORE_MOVES[i] for i in rng.integers(0, 3, 14)]
        games.append(
            GameRounds.from_rounds(user, bot, [deterministic_round_points(f"b{g}", r + 1) for r in range(14)])
        )
    data = build_dataset(games)
    cut = int(len(data.labels) * 0.8)
    train, val = XY.of(data.features[:cut], data.labels[:cut]), XY.of(data.features[cut:], data.labels[cut:])
    small = {
        "hidden": (32, 16),
        "max_epochs": 3,
        "patience": 1,
        "max_rounds": 60,
        "early_stopping_rounds": 60,
        "max_iterations": 50,
        "max_iter": 50,
    }
    cache = LocalDirectoryCache(path)
    for family in FAMILIES:
        import dataclasses

        known = {f.name for f in dataclasses.fields(params_for(family))}
        model = fit_family(
            family, train, val, params_for(family, {k: v for k, v in small.items() if k in known})
        )
        markers = {}
        for version, alias in enumerate(ALIASES, start=1):
            artifact = path.parent / "artifacts" / family.value / str(version)
            model.save(artifact, version=version)
            cache.put_model(family.value, version, artifact)
            markers[alias.value] = (version, FEATURE_CONTRACT_HASH)
        cache.write_markers(family.value, markers)


@contextmanager
def inference_server(tmp: Path) -> Iterator[tuple[str, str]]:
    """(url, description): the real inference service when it starts with models, else the stand-in."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    try:
        import services.inference.main  # noqa: F401 - is it there?

        build_serving_cache(tmp / "serving-cache")
    except Exception as exc:  # any failure here means: measure with the stand-in
        note = f"minimal stand-in (fixed probabilities; the real service could not start: {exc!r})"
        with process([PYTHON, "-c", f"from bench.bench_play import serve_stand_in; serve_stand_in({port})"]):
            wait_for_http(f"{url}/nothing")
            yield url, note
        return
    env = {
        "SERVING_CACHE_DIR": str(tmp / "serving-cache"),
        "MLFLOW_TRACKING_URI": "",
        "LISTEN_EVENTS": "false",
        "INTERNAL_TOKEN": BENCH_TOKEN,
        "OMP_NUM_THREADS": "1",
    }
    log = tmp / "inference.log"
    args = [PYTHON, "-m", "services.inference", "serve", "--port", str(port), "--log-level", "warning"]
    with process(args, env, log):
        wait_for_http(f"{url}/readyz", timeout=120)
        yield (
            url,
            "the real inference service (services/inference) with 16 small fitted models "
            "from a local serving cache",
        )


# -- the load -------------------------------------------------------------------------------------


@dataclass
class Load:
    latencies_ms: list[float]
    errors: int
    seconds: float

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Player:
    """One client: plays games to the end, one after the other, cycling through the policies."""

    def __init__(self, session: aiohttp.ClientSession, url: str, bare: bool, seed: int) -> None:
        self.session, self.url, self.bare = session, url, bare
        self.rng = random.Random(seed)
        self.policies = itertools.cycle(POLICIES[seed % 4 :] + POLICIES[: seed % 4])
        self.game_id: str | None = None

    async def step(self) -> tuple[float, bool]:
        """One timed request (a /play, or an /echo); starting a game is not timed."""
        body: dict[str, Any] = {"user_move": self.rng.choice(MOVES)}
        if self.bare:
            body["game_id"] = "x"
            path = "/echo"
        else:
            if self.game_id is None:
                # Not is_test: the store is a throwaway one, and these games are the production traffic
                # measured (test games are left out of the rounds and degraded-rounds counters).
                start = {"player_name": "bench", "policy": next(self.policies), "is_test": False}
                async with self.session.post(f"{self.url}/start_game", json=start) as response:
                    started = await response.json()
                if response.status != 200:  # e.g. 503 while the store is busy: an error, not a crash
                    return 0.0, False
                self.game_id = started["game_id"]
            body["game_id"] = self.game_id
            path = "/play"
        began = time.perf_counter()
        async with self.session.post(self.url + path, json=body) as response:
            data = await response.read()
            ok = response.status == 200
        elapsed = (time.perf_counter() - began) * 1000
        if not self.bare and ok and b'"finished":true' in data:
            self.game_id = None
        return elapsed, ok


async def drive(url: str, bare: bool, clients: int, seconds: float | None, count: int | None) -> Load:
    connector = aiohttp.TCPConnector(limit=0)
    # Trusted load presents the internal token: gameplay's per-client rate limits do not apply.
    headers = {"Authorization": f"Bearer {BENCH_TOKEN}"}
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        players = [Player(session, url, bare, seed) for seed in range(clients)]
        warm_until = time.perf_counter() + WARMUP_S
        while time.perf_counter() < warm_until:
            await asyncio.gather(*(p.step() for p in players))
        latencies: list[float] = []
        errors = 0
        began = time.perf_counter()
        deadline = began + seconds if seconds else None

        async def client(player: Player) -> None:
            nonlocal errors
            while True:
                if deadline and time.perf_counter() >= deadline:
                    return
                if count and len(latencies) + errors >= count:
                    return
                elapsed, ok = await player.step()
                if ok:
                    latencies.append(elapsed)
                else:
                    errors += 1

        await asyncio.gather(*(client(p) for p in players))
        return Load(latencies, errors, time.perf_counter() - began)


def measure(url: str, bare: bool, clients: int) -> Load:
    gc.collect()
    gc.disable()  # the load generator's own pauses would show up as server latency
    try:
        if clients == 1:
            return asyncio.run(drive(url, bare, 1, None, SINGLE_PLAYS))
        return asyncio.run(drive(url, bare, clients, CONCURRENT_S, None))
    finally:
        gc.enable()


def scrape(url: str, prefix: str) -> dict[str, float]:
    import urllib.request

    with urllib.request.urlopen(f"{url}/metrics", timeout=5) as response:
        text = response.read().decode()
    totals: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(prefix):
            name = line.split("{")[0].split(" ")[0]
            key = name + ("{" + line.split("{")[1].split("}")[0] + "}" if "{" in line else "")
            totals[key] = float(line.rsplit(" ", 1)[1])
    return totals


def run() -> str:
    if shutil.which("redis-server") is None:
        return "## /play (gameplay)\n\nNot run: redis-server is not installed (`make services`).\n"
    with tempfile.TemporaryDirectory(prefix="bench-play-") as tmpdir:
        tmp = Path(tmpdir)
        redis_port, play_port, bare_port, relay_port = free_port(), free_port(), free_port(), free_port()
        redis_args = ["redis-server", "--port", str(redis_port), "--save", "", "--appendonly", "no"]
        with process(redis_args), inference_server(tmp) as (inference_url, inference_note):
            env = {
                "DATABASE_URL": f"sqlite:///{tmp / 'rps.db'}",
                "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
                "INFERENCE_URL": inference_url,
                "ENABLE_AB_TESTING": "true",
                "INTERNAL_TOKEN": BENCH_TOKEN,
                "GAME_SECRET": "bench",
            }
            play_args = [
                PYTHON,
                "-m",
                "services.gameplay",
                "serve",
                "--port",
                str(play_port),
                "--log-level",
                "warning",
            ]
            bare_args = [
                PYTHON,
                "-m",
                "uvicorn",
                "bench.bench_play:bare_app",
                "--factory",
                "--port",
                str(bare_port),
            ]
            bare_args += [
                "--loop",
                "uvloop",
                "--http",
                "httptools",
                "--no-access-log",
                "--log-level",
                "warning",
            ]
            relay_args = [PYTHON, "-m", "services.relay", "--host", "127.0.0.1", "--port", str(relay_port)]
            play_url, bare_url = f"http://127.0.0.1:{play_port}", f"http://127.0.0.1:{bare_port}"
            relay_url = f"http://127.0.0.1:{relay_port}"
            with (
                process(play_args, env, tmp / "gameplay.log"),
                process(bare_args),
                process(relay_args, env, tmp / "relay.log"),
            ):
                wait_for_http(f"{play_url}/healthz")
                wait_for_http(f"{bare_url}/docs")
                results = {
                    ("bare", 1): measure(bare_url, True, 1),
                    ("play", 1): measure(play_url, False, 1),
                    ("bare", CLIENTS): measure(bare_url, True, CLIENTS),
                    ("play", CLIENTS): measure(play_url, False, CLIENTS),
                }
                counters = scrape(play_url, "rps_gameplay_")
                time.sleep(1.5)  # let the relay drain the outbox
                pending = scrape(relay_url, "rps_relay_lag_events")
            import redis

            stream_len = redis.Redis(port=redis_port).xlen("rps:events")
    return render(results, counters, pending, stream_len, inference_note)


def render(
    results: dict[tuple[str, int], Load],
    counters: dict[str, float],
    pending: dict[str, float],
    stream_len: int,
    inference_note: str,
) -> str:
    bare1, play1 = results[("bare", 1)], results[("play", 1)]
    bare16, play16 = results[("bare", CLIENTS)], results[("play", CLIENTS)]
    sources = {
        src: sum(
            v
            for k, v in counters.items()
            if k.startswith("rps_gameplay_rounds_total") and f'bot_source="{src}"' in k
        )
        for src in ("opening", "model", "fallback")
    }
    degraded = sum(v for k, v in counters.items() if k.startswith("rps_gameplay_degraded_rounds_total"))

    def mean_ms(histogram: str) -> float:
        count = counters.get(f"{histogram}_count", 0.0)
        return 1000 * counters.get(f"{histogram}_sum", 0.0) / count if count else float("nan")

    rounds_total = sum(sources.values())

    def row(name: str, load: Load, ref: Load) -> str:
        return (
            f"| {name} | {load.throughput:,.0f} | {load.pct(0.5):.2f} | {load.pct(0.99):.2f} | "
            f"{load.errors} | {load.throughput / ref.throughput:.2f}× |"
        )

    slowness = bare1.pct(0.5) / REFERENCE_BARE_P50_MS

    def targets(f: float) -> list[tuple[str, bool]]:
        return [
            (f"single client p50 < {3 * f:.3g} ms", play1.pct(0.5) < 3 * f),
            (f"single client p99 < {6 * f:.3g} ms", play1.pct(0.99) < 6 * f),
            (f"{CLIENTS} clients ≥ {500 / f:.0f} plays/s", play16.throughput >= 500 / f),
            (f"{CLIENTS} clients: no errors", play16.errors == 0),
            (f"{CLIENTS} clients p99 < {60 * f:.3g} ms", play16.pct(0.99) < 60 * f),
        ]

    def verdicts(f: float) -> str:
        return "; ".join(f"{name} {'✅' if ok else '❌'}" for name, ok in targets(f))

    lines = [
        "## /play (gameplay)",
        "",
        f"Full path: gameplay under uvicorn (uvloop, httptools, 1 worker) → SQLite WAL append "
        f"(event + projections + outbox in one `BEGIN IMMEDIATE` transaction) → outbox → Redis stream; "
        f"a `/play` that seals a model round (the next round's move, decided after this round's outcome) "
        f"asks inference for all four aliases in one `/predict/batch` call. Inference: "
        f"{inference_note}. Games cycle through the four policies (A/B on), random moves, started games "
        f"are not timed. Load: aiohttp clients in the bench process (same 2 cores as the servers); the "
        f"reference is a bare FastAPI `POST /echo` parsing a pydantic body, measured the same way.",
        "",
        "| run | req/s | p50 ms | p99 ms | errors | × bare |",
        "|---|---|---|---|---|---|",
        row("bare `/echo`, 1 client", bare1, bare1),
        row("`/play`, 1 client", play1, bare1),
        row(f"bare `/echo`, {CLIENTS} clients", bare16, bare16),
        row(f"`/play`, {CLIENTS} clients", play16, bare16),
        "",
        f"Rounds played during the run: {rounds_total:,.0f} ({sources['opening']:,.0f} opening, "
        f"{sources['model']:,.0f} model, {sources['fallback']:,.0f} fallback; degraded {degraded:,.0f}). "
        f"Stream `rps:events` length at the end: {stream_len:,}; outbox pending after 1.5 s: "
        f"{sum(pending.values()):.0f}. Inside gameplay (its histograms, whole run, both loads): a "
        f"`/play` took {mean_ms('rps_gameplay_play_seconds'):.2f} ms on average over every round "
        f"(openings included), the inference call {mean_ms('rps_gameplay_inference_seconds'):.2f} ms "
        "on average over the model rounds; what the clients saw beyond that is HTTP parsing and "
        "serialisation, the event loop's queue and the client itself.",
        "",
        f"Targets as set: {verdicts(1.0)}.",
        "",
        f"This machine's bare p50 at one client was {bare1.pct(0.5):.2f} ms against "
        f"{REFERENCE_BARE_P50_MS} ms on the machine the targets were set on: {slowness:.2f}× its time. "
        f"The targets scaled by that factor: {verdicts(slowness)}. "
        f"Ratios to the bare endpoint: p50 {play1.pct(0.5) / bare1.pct(0.5):.1f}×, "
        f"p99 {play1.pct(0.99) / bare1.pct(0.5):.1f}× its p50 at one client.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
