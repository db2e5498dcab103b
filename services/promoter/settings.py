"""Promoter configuration: one Settings object from environment variables (DESIGN §7)."""

from __future__ import annotations

from shared.settings import EventStoreSettings, ModelStoreSettings


class Settings(EventStoreSettings, ModelStoreSettings):
    """The event store (evidence, ledger) and the registry and cache whose aliases it moves."""
