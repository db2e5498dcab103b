"""game_id → the alias serving that game, asked of gameplay (`GET /games/{id}`, field `model_alias`).

A game's alias is fixed when it starts, so answers are cached (LRU) for the process's life.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING
from urllib.parse import quote

from services.inference.errors import GameNotFoundError, GameplayUnavailableError
from services.inference.metrics import InferenceMetrics
from shared.features import Alias

if TYPE_CHECKING:
    import aiohttp

REQUEST_TIMEOUT_S = 2.0


class GameAliasResolver:
    """Resolves and remembers game aliases; `start()` and `close()` bracket its HTTP session."""

    def __init__(self, gameplay_url: str, metrics: InferenceMetrics, capacity: int = 10_000) -> None:
        self.gameplay_url = gameplay_url.rstrip("/")
        self.metrics = metrics
        self.capacity = capacity
        self._cache: OrderedDict[str, Alias] = OrderedDict()
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        # aiohttp is imported on first use: only game_id requests need it (~0.4 s less start-up).
        import aiohttp

        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def alias_of(self, game_id: str) -> Alias:
        cached = self._cache.get(game_id)
        if cached is not None:
            self._cache.move_to_end(game_id)
            self.metrics.game_alias_lookups.labels("hit").inc()
            return cached
        alias = await self._ask_gameplay(game_id)
        self.metrics.game_alias_lookups.labels("miss").inc()
        self._cache[game_id] = alias
        if len(self._cache) > self.capacity:
            self._cache.popitem(last=False)
        return alias

    async def _ask_gameplay(self, game_id: str) -> Alias:
        import aiohttp

        await self.start()
        assert self._session is not None
        url = f"{self.gameplay_url}/games/{quote(game_id, safe='')}"
        try:
            async with self._session.get(url) as response:
                if response.status == 404:
                    self.metrics.game_alias_lookups.labels("not_found").inc()
                    raise GameNotFoundError(game_id)
                if response.status != 200:
                    raise GameplayUnavailableError(f"gameplay answered {response.status} for {url}")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            self.metrics.game_alias_lookups.labels("error").inc()
            raise GameplayUnavailableError(
                f"cannot resolve game {game_id!r} through {url}: {exc!r}"
            ) from None
        except GameplayUnavailableError:
            self.metrics.game_alias_lookups.labels("error").inc()
            raise
        try:
            return Alias(body["model_alias"])
        except (KeyError, TypeError, ValueError):
            self.metrics.game_alias_lookups.labels("error").inc()
            raise GameplayUnavailableError(f"gameplay's {url} has no valid model_alias") from None
