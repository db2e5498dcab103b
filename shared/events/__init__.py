"""The event log: typed events, the store (SQLite or PostgreSQL), projections, the Redis stream.

Reading and writing events (trainer, promoter, gameplay)::

    from shared.events import EventStore, RoundPlayed, new_event, ConcurrencyError

    store = EventStore.from_url("sqlite:///data/rps.db")   # or postgresql://...; migrates first
    for event in store.iter_events(types=[EventType.ROUND_PLAYED], after_position=0):
        event.position, event.aggregate_id, event.seq, event.occurred_at, event.payload
        if isinstance(event.payload, RoundPlayed): event.payload.user_move, event.payload.result
    store.read_aggregate(game_id)                  # one game's events in seq order
    store.head_position()                          # last position, to resume iter_events later
    store.append([new_event(game_id, 1, GameStarted(...))])   # ConcurrencyError if seq taken
    store.append_next("rps_bot_xgboost", AliasesChanged.between(...))  # next seq, retried
    store.ledger(family="rps_bot_xgboost", limit=20)   # promotion history (LedgerEntry), newest first

Payloads are frozen classes, one per event type and schema version (shared.events.payloads):
GameStarted, RoundPlayed, GameFinished on the game id; ModelTrained and AliasesChanged on the
family name. `event.type` and `event.schema_version` are the payload class's; a payload stored
at an older version is upgraded by its upcasters when read (`decode_payload`). Builders::

    RoundPlayed.revealing(seal, user_move, points, outcome,   # seal: SealedMove.record(...), logged before
                          latency_ms=..., next_seal=SealedMove.record(round_no + 1, ...))
    revealed(played, seal)   # what decided a round's bot move: its seal (or its own record in old games)
    AliasesChanged.between(family, AliasAction.PROMOTE, before=..., after=..., evidence=..., reason=...)

Games with `GameStarted.is_test` are not training material. `append` writes the events, their
projections (games, sessions, players = leaderboard, ledger) and outbox rows in one
transaction; `rebuild_projections(read_archive(cache, store))` recreates the projections from the
archived games (shared.events.archive), then the log.

The Redis stream `STREAM`: `python -m services.relay` publishes the outbox (shared.events.relay,
shared.events.outbox) in position order, at least once; a reader de-duplicates by `event_id`::

    Relay(store, Lease(redis.Redis.from_url(url), holder="relay-1")).run(stop)   # one holds the lease

Incremental readers keep their state and position together (shared.events.checkpoints)::

    checkpoint = store.checkpoints.load("promoter.evidence")     # Checkpoint(name, position, state bytes)
    head = store.checkpoints.stable_head(checkpoint.position)   # never skips a later-committed event
    for event in store.iter_events(types, after_position=checkpoint.position, until_position=head): ...
    store.checkpoints.save("promoter.evidence", head, new_state, expected_position=checkpoint.position)
    state = advance(store.checkpoints, "worker.drift", state, read, DriftState.from_bytes)   # all of it

Errors::

    EventStoreError
    ├── ConcurrencyError   the aggregate's next seq was taken first: re-read, decide again
    ├── CheckpointConflictError   another reader saved the checkpoint first: reload, fold again
    ├── StoreUnavailableError     locked past the busy timeout, unreachable, I/O error: retry later
    ├── UnknownEventTypeError
    └── UnknownSchemaVersionError
"""

from shared.events.checkpoints import Checkpoint, ReaderCheckpoints, advance
from shared.events.errors import (
    ArchiveRequiredError,
    ArchiveWriteError,
    CheckpointConflictError,
    ConcurrencyError,
    EventStoreError,
    StoreUnavailableError,
    UnknownEventTypeError,
    UnknownSchemaVersionError,
)
from shared.events.outbox import Lease
from shared.events.payloads import (
    AliasAction,
    AliasesChanged,
    BotSource,
    GameFinished,
    GameStarted,
    ModelTrained,
    Payload,
    RoundPlayed,
    SealedMove,
    decode_payload,
    revealed,
)
from shared.events.records import Event, new_event
from shared.events.store import EventStore, LedgerEntry
from shared.streams import GAME_EVENT_TYPES, STREAM, EventType

__all__ = [
    "GAME_EVENT_TYPES",
    "STREAM",
    "AliasAction",
    "AliasesChanged",
    "ArchiveRequiredError",
    "ArchiveWriteError",
    "BotSource",
    "Checkpoint",
    "CheckpointConflictError",
    "ConcurrencyError",
    "Event",
    "EventStore",
    "EventStoreError",
    "EventType",
    "GameFinished",
    "GameStarted",
    "Lease",
    "LedgerEntry",
    "ModelTrained",
    "Payload",
    "ReaderCheckpoints",
    "RoundPlayed",
    "SealedMove",
    "StoreUnavailableError",
    "UnknownEventTypeError",
    "UnknownSchemaVersionError",
    "advance",
    "decode_payload",
    "new_event",
    "revealed",
]
