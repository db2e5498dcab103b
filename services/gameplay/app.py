"""The gameplay app factory: `create_app(settings)` wires the store and the inference client.

Appends write outbox rows; the relay process (`python -m services.relay`) publishes them.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.gameplay.deps import RateLimits
from services.gameplay.errors import install_error_handlers
from services.gameplay.http_metrics import HttpMetrics
from services.gameplay.inference import InferenceClient
from services.gameplay.routes import games, health, internal, stats, ui
from services.gameplay.secret import game_secret
from services.gameplay.service import GameService
from services.gameplay.settings import Settings
from shared.events import EventStore

DESCRIPTION = (
    "Rock-paper-scissors against ML bots. Every round is an event in the log; the bot's move for "
    "each round is sealed (`bot_commitment`) before the player moves and revealed after "
    "(docs/fair-play.md). /internal/* needs `Authorization: Bearer <INTERNAL_TOKEN>`; /start_game "
    "and /play are rate-limited per client (429 with Retry-After) unless the request presents it."
)


def create_app(settings: Settings) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Runs the migrations; on SQLite a thread checkpoints the WAL, not the commits of /play.
        store = EventStore.from_url(
            settings.database_url,
            background_checkpoint=True,
            busy_timeout_s=settings.store_busy_timeout_ms / 1000,
        )
        inference = InferenceClient(settings.inference_url, settings.inference_timeout_ms)
        await inference.start()
        app.state.service = GameService(settings, store, inference, game_secret(settings))
        # Start-up objects never die: keep them out of the collector, whose full passes set the p99.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await inference.close()
            store.close()
            gc.unfreeze()

    app = FastAPI(title="RPS gameplay", version="1.0.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.limits = RateLimits.from_settings(settings) if settings.rate_limits else None
    install_error_handlers(app)
    for module in (games, stats, health, internal, ui):
        # Starlette's body limit, per route: a 413 passes through HttpMetrics like any answer.
        app.include_router(module.router, max_body_size=settings.max_body_bytes)
    app.mount("/static", StaticFiles(directory=settings.static_dir, check_dir=False), name="static")
    app.add_middleware(HttpMetrics)
    return app
