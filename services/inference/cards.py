"""Model cards of registered versions: from the serving cache beside the model, else from the registry.

The trainer writes each version's card (JSON and Markdown) in its MLflow run under `card/` and the
sync copies it beside the model in the cache (shared.serving_cache.layout.CARD_*); inference only
reads them.
"""

from __future__ import annotations

import asyncio
import logging

from services.inference.errors import CardNotFoundError, CardUnavailableError
from services.inference.registry import RegistrySource
from shared.features import Family
from shared.serving_cache import ServingCache

log = logging.getLogger(__name__)


class CardReader:
    """Reads one card file of a version; the blocking reads run in a worker thread."""

    def __init__(self, cache: ServingCache | None, registry: RegistrySource | None) -> None:
        self.cache = cache
        self.registry = registry

    async def read(self, family: Family, version: int, name: str) -> bytes:
        """The file's bytes; CardNotFoundError when no source has it, CardUnavailableError when unsure."""
        return await asyncio.to_thread(self._read, family, version, name)

    def _read(self, family: Family, version: int, name: str) -> bytes:
        cache_error: Exception | None = None
        if self.cache is not None:
            try:
                data = self.cache.read_card(family.value, version, name)
            except Exception as exc:  # S3 down: the registry may still answer
                log.warning("model card %s v%d: serving cache unreadable: %s", family.value, version, exc)
                cache_error = exc
            else:
                if data is not None:
                    return data
        if self.registry is None or not self.registry.available():
            if cache_error is not None:
                raise CardUnavailableError(family.value, version, cache_error)
            raise CardNotFoundError(family.value, version, "not in the serving cache; no registry configured")
        try:
            data = self.registry.card(family, version, name)
        except Exception as exc:
            raise CardUnavailableError(family.value, version, exc) from None
        if data is None:
            raise CardNotFoundError(family.value, version, "in neither the serving cache nor the registry")
        return data
