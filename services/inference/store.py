"""Holds the current ModelSet and replaces it whole: requests read one reference, never a half-built set."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from services.inference.loader import ModelLoader
from services.inference.metrics import InferenceMetrics
from services.inference.slots import ModelSet, SlotStatus
from shared.features import Alias

log = logging.getLogger(__name__)


class ReloadTrigger(StrEnum):
    STARTUP = "startup"
    API = "api"
    EVENT = "event"


class ReloadOutcome(StrEnum):
    OK = "ok"  # every source was read
    PARTIAL = "partial"  # some alias kept its previous model or failed: a source could not be read
    ERROR = "error"  # the load itself failed: the previous set stays whole


@dataclass(frozen=True, slots=True)
class ReloadReport:
    """What the last reload did, for /models."""

    trigger: ReloadTrigger
    outcome: ReloadOutcome
    finished_at: str
    seconds: float
    generation: int
    error: str | None = None


class ModelStore:
    """`current` is the only shared state: reloads build a new ModelSet beside it, then assign it."""

    def __init__(self, loader: ModelLoader, metrics: InferenceMetrics, freeze_gc: bool = False) -> None:
        self.loader = loader
        self.freeze_gc = freeze_gc
        self.metrics = metrics
        self.current = ModelSet.pending(created_at=_now())
        self.ready = False  # every alias loaded or its fallback decided
        self.last_reload: ReloadReport | None = None
        self.last_success_at: str | None = None  # finished_at of the last reload with outcome ok
        self._lock = asyncio.Lock()

    async def reload(self, trigger: ReloadTrigger) -> ModelSet:
        """Load what the sources say now (one reload at a time), then swap it in atomically."""
        async with self._lock:
            previous = self.current
            started = time.perf_counter()
            try:
                new = await asyncio.to_thread(self.loader.load, previous, previous.generation + 1)
            except Exception as exc:
                self._report(trigger, ReloadOutcome.ERROR, started, previous.generation, repr(exc))
                log.exception("model reload (%s) failed; keeping generation %d", trigger, previous.generation)
                raise
            self.current = new  # the swap: one reference assignment
            unread = any(slot.status in (SlotStatus.KEPT, SlotStatus.FAILED) for slot in new)
            outcome = ReloadOutcome.PARTIAL if unread else ReloadOutcome.OK
            self._report(trigger, outcome, started, new.generation)
            self._publish_gauges(new)
            self._log_changes(previous, new, trigger)
            if not self.ready:
                self.ready = True
            if self.freeze_gc and trigger is ReloadTrigger.STARTUP:
                # Start-up objects live for the process: keep the collector from walking them again.
                gc.collect()
                gc.freeze()
            return new

    def _report(
        self,
        trigger: ReloadTrigger,
        outcome: ReloadOutcome,
        started: float,
        generation: int,
        error: str | None = None,
    ) -> None:
        seconds = time.perf_counter() - started
        report = ReloadReport(trigger, outcome, _now(), round(seconds, 6), generation, error)
        self.last_reload = report
        self.metrics.reloads.labels(trigger.value, outcome.value).inc()
        if outcome is ReloadOutcome.ERROR:
            return
        self.metrics.reload_seconds.labels(trigger.value).observe(seconds)
        if outcome is ReloadOutcome.OK:
            self.last_success_at = report.finished_at
            self.metrics.last_reload_success.set(time.time())

    def _publish_gauges(self, models: ModelSet) -> None:
        for slot in models:
            labels = (slot.family.value, slot.alias.value)
            self.metrics.model_loaded.labels(*labels).set(1 if slot.model is not None else 0)
            self.metrics.model_kept.labels(*labels).set(1 if slot.status is SlotStatus.KEPT else 0)
            self.metrics.model_version.labels(*labels).set(slot.version if slot.version is not None else -1)

    @staticmethod
    def _log_changes(previous: ModelSet, new: ModelSet, trigger: ReloadTrigger) -> None:
        for slot in new:
            before = previous.slot(slot.family, slot.alias)
            if (before.version, before.source, before.status) != (slot.version, slot.source, slot.status):
                if slot.status is SlotStatus.KEPT:
                    continue  # the loader logged why, with the sources' errors
                # An empty challenger slot (no B, no shadow yet) is the normal state, not a warning.
                normal = slot.status is SlotStatus.LOADED or (
                    slot.status is SlotStatus.ABSENT and slot.alias is not Alias.PRODUCTION
                )
                log.log(
                    logging.INFO if normal else logging.WARNING,
                    "%s@%s: %s%s (%s)%s [%s]",
                    slot.family.value,
                    slot.alias.value,
                    slot.status.value,
                    "" if slot.version is None else f" v{slot.version}",
                    slot.source.value,
                    f": {slot.error}" if slot.error else "",
                    trigger.value,
                )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
