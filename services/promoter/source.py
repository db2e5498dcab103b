"""Reading and writing the event store: the checkpointed evidence and the ledger (status: shared.promotion).

The evidence is an incremental projection: its JSON state and the log position it covers are
one reader checkpoint (`promoter.evidence`, shared/events/checkpoints.py); a cycle folds only
the events after that position and saves both in one statement. The status of the last cycle
(per family: what was decided or why nothing was) is the checkpoint `promoter.status`, read by
the metrics collector: cycles that change nothing write no ledger entry.
"""

from __future__ import annotations

import logging

import orjson

from services.promoter.apply import as_move
from services.promoter.decision import Decision
from services.promoter.evidence import Evidence, EvidenceFolder
from services.promoter.ledger import AliasChange, change_from_row
from shared.events import GAME_EVENT_TYPES, CheckpointConflictError, EventStore
from shared.features import Family
from shared.registry import record_move

log = logging.getLogger(__name__)

EVIDENCE_CHECKPOINT = "promoter.evidence"
CONFLICT_RETRIES = 3  # another cycle saved first: fold again from its checkpoint


def _decode(state: bytes) -> Evidence:
    return Evidence.from_json(orjson.loads(state)) if state else Evidence()


def fold_new_events(store: EventStore, evidence: Evidence, until: int) -> Evidence:
    """Fold the game events after `evidence.last_position` up to `until` into `evidence`."""
    folder = EvidenceFolder(evidence)
    latest = 0.0
    for event in store.iter_events(
        GAME_EVENT_TYPES, after_position=evidence.last_position, until_position=until
    ):
        latest = event.occurred_at.timestamp()
        folder.add(event, latest)
    evidence.last_position = max(evidence.last_position, until)
    if latest:
        evidence.drop_abandoned(latest)
    return evidence


def load_evidence(store: EventStore, *, save: bool = True) -> Evidence:
    """The evidence up to the log's stable head: the checkpoint plus the events after it, saved back."""
    for _ in range(CONFLICT_RETRIES):
        checkpoint = store.checkpoints.load(EVIDENCE_CHECKPOINT)
        evidence = _decode(checkpoint.state)
        head = store.checkpoints.stable_head(checkpoint.position)
        if head == checkpoint.position:
            return evidence
        evidence = fold_new_events(store, evidence, head)
        if not save:
            return evidence
        try:
            store.checkpoints.save(
                EVIDENCE_CHECKPOINT,
                head,
                orjson.dumps(evidence.to_json()),
                expected_position=checkpoint.position,
            )
            return evidence
        except CheckpointConflictError as exc:
            log.info("evidence checkpoint moved under us, folding again: %s", exc)
    return evidence  # evidence is right for this cycle; the next one saves


def rebuild_evidence(store: EventStore) -> Evidence:
    """Forget the checkpoint and fold the whole log again."""
    store.checkpoints.reset(EVIDENCE_CHECKPOINT)
    return load_evidence(store)


def load_changes(store: EventStore, family: Family) -> list[AliasChange]:
    """The family's ledger entries, oldest first; entries of unknown actions are skipped."""
    changes = []
    for row in reversed(store.ledger(family=family.value)):
        try:
            changes.append(
                change_from_row(
                    row.position, row.family, row.action, row.before, row.after, row.reason, row.evidence
                )
            )
        except ValueError:
            continue
    return changes


def record_decision(store: EventStore, decision: Decision) -> int:
    """Step 1 of the protocol alone: the decision's ledger entry; returns its position."""
    return record_move(store, as_move(decision))
