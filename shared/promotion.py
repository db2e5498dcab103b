"""The status of the last promotion cycle per family, kept in the event store (no MLflow import).

The promoter writes it; the metrics collector and gameplay's Grafana datasource read it, so it
lives in `shared/` (services never import each other).

Cycles that change nothing write no ledger entry; what they found (a test running, no
challenger) is saved here as the reader checkpoint `promoter.status`, merged family by
family, and read back by the metrics collector, the `evidence` command and gameplay's Grafana
datasource (its `evidence` and `paired:*` targets: each paired test as the cycle computed it).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import orjson

from shared.events import CheckpointConflictError, EventStore

log = logging.getLogger(__name__)

STATUS_CHECKPOINT = "promoter.status"


def save_status(store: EventStore, position: int, families: Mapping[str, Any]) -> None:
    """Store the last cycle's per-family status, merged over the previous one."""
    checkpoint = store.checkpoints.load(STATUS_CHECKPOINT)
    status = orjson.loads(checkpoint.state) if checkpoint.state else {}
    status.update(families)
    try:
        store.checkpoints.save(
            STATUS_CHECKPOINT, position, orjson.dumps(status), expected_position=checkpoint.position
        )
    except CheckpointConflictError:  # a concurrent cycle wrote a status just now: it is as fresh
        log.info("promoter status saved by a concurrent cycle")


def load_status(store: EventStore) -> dict[str, Any]:
    """The last cycle's status per family ({} before the first cycle)."""
    state = store.checkpoints.load(STATUS_CHECKPOINT).state
    return dict(orjson.loads(state)) if state else {}
