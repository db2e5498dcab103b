"""Reading the event store: evidence from the game events, history from the ledger."""

from __future__ import annotations

from services.promoter.apply import as_move
from services.promoter.decision import Decision
from services.promoter.evidence import Evidence, collect_evidence
from services.promoter.ledger import AliasChange, change_from_row
from shared.events import GAME_EVENT_TYPES, EventStore
from shared.features import Family
from shared.registry import record_move


def load_evidence(store: EventStore) -> Evidence:
    """Evidence of every version, folded from the whole log (so it survives any restart)."""
    return collect_evidence(store.iter_events(types=GAME_EVENT_TYPES))


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
