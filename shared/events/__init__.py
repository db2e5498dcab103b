"""The event log: typed events, the store (SQLite or PostgreSQL), projections, the Redis stream.

Reading and writing events (trainer, promoter, gameplay)::

    from shared.events import EventStore, EventType, new_event, ConcurrencyError

    store = EventStore.from_url("sqlite:///data/rps.db")   # or postgresql://...; migrates first
    for event in store.iter_events(types=[EventType.ROUND_PLAYED], after_position=0):
        event.position, event.aggregate_id, event.seq, event.occurred_at, event.payload
    store.read_aggregate(game_id)                  # one game's events in seq order
    store.head_position()                          # last position, to resume iter_events later
    store.append([new_event(EventType.GAME_STARTED, game_id, 1, payload)])   # ConcurrencyError if seq taken
    store.append_next("rps_bot_xgboost", EventType.ALIASES_CHANGED, payload)  # next seq, retried
    store.ledger(family="rps_bot_xgboost", limit=20)   # promotion history (LedgerEntry), newest first

Payloads are plain dicts, exactly as in docs/architecture.md ("Events"): GameStarted, RoundPlayed,
GameFinished on the game id; ModelTrained and AliasesChanged on the family name. The game events'
payloads are built by one function each (shared.events.payloads), whoever writes them::

    game_started_payload(game_id, player_name=..., session_id=..., policy=..., family=..., alias=...,
                         opening=..., is_test=..., ab_enabled=...)
    round_played_payload(round_no, user_move, bot_move, points, outcome,   # outcome = score_round(...)
                         bot_source=..., family=..., alias=..., model_version=..., predictions=...,
                         latency_ms=...)
    aliases_changed_payload(family, AliasAction.PROMOTE, before=..., after=..., evidence=..., reason=...)
    game_finished_payload(winner, user_score=..., bot_score=..., rounds=..., family=..., alias=...,
                          model_version=...)
    game_started_fields(payload)                   # GameStarted read back: player_name, ..., ab_enabled
 `event.type` is an
EventType (StrEnum). Games with `payload["is_test"]` (GameStarted) are not training material.
`append` writes the events, their projections (games, rounds, sessions, players = leaderboard,
ledger) and outbox rows in one transaction; `rebuild_projections()` recreates the projections
from the log alone.

The Redis stream `rps:events` (shared.events.outbox); a reader de-duplicates by `event_id`::

    OutboxPublisher(store, redis_url).run()        # gameplay runs this; in order, at least once
    publish_pending_sync(store, redis.Redis.from_url(url))   # the same, once, synchronously

Incremental readers keep their state and position together (shared.events.checkpoints)::

    checkpoint = store.checkpoints.load("promoter.evidence")     # Checkpoint(name, position, state bytes)
    head = store.checkpoints.stable_head(checkpoint.position)   # never skips a later-committed event
    for event in store.iter_events(types, after_position=checkpoint.position, until_position=head): ...
    store.checkpoints.save("promoter.evidence", head, new_state, expected_position=checkpoint.position)

Errors::

    EventStoreError
    ├── ConcurrencyError   the aggregate's next seq was taken first: re-read, decide again
    ├── CheckpointConflictError   another reader saved the checkpoint first: reload, fold again
    └── UnknownEventTypeError
"""

from shared.events.checkpoints import Checkpoint, ReaderCheckpoints
from shared.events.errors import (
    CheckpointConflictError,
    ConcurrencyError,
    EventStoreError,
    UnknownEventTypeError,
)
from shared.events.outbox import STREAM, OutboxPublisher, publish_pending_sync
from shared.events.payloads import (
    AliasAction,
    aliases_changed_payload,
    game_finished_payload,
    game_started_fields,
    game_started_payload,
    model_trained_payload,
    round_played_payload,
)
from shared.events.records import GAME_EVENT_TYPES, SCHEMA_VERSION, Event, EventType, new_event
from shared.events.store import EventStore, LedgerEntry

__all__ = [
    "GAME_EVENT_TYPES",
    "SCHEMA_VERSION",
    "STREAM",
    "AliasAction",
    "Checkpoint",
    "CheckpointConflictError",
    "ConcurrencyError",
    "Event",
    "EventStore",
    "EventStoreError",
    "EventType",
    "LedgerEntry",
    "OutboxPublisher",
    "ReaderCheckpoints",
    "UnknownEventTypeError",
    "aliases_changed_payload",
    "game_finished_payload",
    "game_started_fields",
    "game_started_payload",
    "model_trained_payload",
    "new_event",
    "publish_pending_sync",
    "round_played_payload",
]
