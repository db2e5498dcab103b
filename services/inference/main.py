"""Assembles the inference app: settings → cache, registry, loader, store, routes, background tasks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.inference.cards import CardReader
from services.inference.deps import Services
from services.inference.errors import install_error_handlers
from services.inference.games import GameAliasResolver
from services.inference.loader import ModelLoader
from services.inference.metrics import InferenceMetrics
from services.inference.predictor import Predictor
from services.inference.registry import RegistrySource
from services.inference.routes import cards, health, models, predict
from services.inference.settings import Settings
from services.inference.store import ModelStore, ReloadTrigger
from services.inference.stream import AliasEventListener
from shared.serving_cache import ServingCache, open_cache

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None, cache: ServingCache | None = None, freeze_gc: bool = False
) -> FastAPI:
    """The app; models load in the background from start-up, and /readyz says when they are in."""
    settings = settings or Settings()
    cache = cache or open_cache(settings.serving_cache_dir, settings.s3_endpoint_url, settings.s3_bucket)
    metrics = InferenceMetrics()
    registry = RegistrySource(settings.mlflow_tracking_uri) if settings.mlflow_tracking_uri else None
    loader = ModelLoader(cache, registry, metrics, threads=settings.load_threads)
    store = ModelStore(loader, metrics, freeze_gc=freeze_gc)
    games = GameAliasResolver(settings.gameplay_url, metrics, capacity=settings.game_alias_cache_size)
    services = Services(settings, store, Predictor(metrics), games, metrics, CardReader(cache, registry))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        log.info(
            "inference: serving cache %s; fallback %s", cache.describe(), registry and registry.describe()
        )
        tasks = [asyncio.create_task(_start_up(store), name="startup-load")]
        listener = None
        if settings.listen_events:
            listener = AliasEventListener(
                settings.redis_url, settings.events_stream, lambda: store.reload(ReloadTrigger.EVENT), metrics
            )
            tasks.append(asyncio.create_task(listener.run(), name="alias-events"))
        app.state.listener = listener  # None when not listening
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if listener is not None:
                await listener.close()
            await games.close()

    app = FastAPI(title="RPS inference", lifespan=lifespan)
    app.state.services = services
    install_error_handlers(app)
    app.include_router(predict.router)
    app.include_router(models.router)
    app.include_router(cards.router)
    app.include_router(health.router)
    return app


async def _start_up(store: ModelStore) -> None:
    """The first load; should it fail as a whole, retry so the service still becomes ready."""
    while True:
        try:
            await store.reload(ReloadTrigger.STARTUP)
            return
        except Exception:
            await asyncio.sleep(2.0)


_default_app: FastAPI | None = None


def __getattr__(name: str) -> FastAPI:
    """`services.inference.main:app` for uvicorn: built from the environment on first access."""
    global _default_app
    if name != "app":
        raise AttributeError(name)
    if _default_app is None:
        from services.inference.libraries import import_model_libraries

        import_model_libraries()
        _default_app = create_app(freeze_gc=True)
    return _default_app
