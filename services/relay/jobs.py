"""The RQ job of the event log: archive the games older than the training window (on the worker)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.relay.settings import Settings
from shared.events import EventStore
from shared.events.archive import ArchiveReport, archive_games
from shared.serving_cache.factory import open_cache


def archive(settings: Settings, days: int | None = None) -> tuple[datetime, str, ArchiveReport]:
    """Move the games that ended more than `days` (default METRICS_WINDOW_DAYS) ago to the object store."""
    cutoff = datetime.now(UTC) - timedelta(days=settings.metrics_window_days if days is None else days)
    target = open_cache(settings.serving_cache_dir, settings.s3_endpoint_url, settings.s3_bucket)
    store = EventStore.from_url(settings.database_url)
    try:
        return cutoff, target.describe(), archive_games(store, target, cutoff)
    finally:
        store.close()


def archive_job(days: int | None = None) -> dict[str, object]:
    cutoff, where, report = archive(Settings(), days)
    return {"cutoff": cutoff.isoformat(), "to": where, "games": report.games, "events": report.events}
