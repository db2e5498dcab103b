"""Errors raised by the event store.

EventStoreError
├── ConcurrencyError      another writer appended to the aggregate first (seq taken or skipped)
├── CheckpointConflictError   another reader saved the same named checkpoint first
├── StoreUnavailableError     the database is locked past the busy timeout, or failing: retry later
├── ArchiveRequiredError      a rebuild of the projections without the archive of archived games
├── ArchiveWriteError         the object store did not give back the archive file just written
├── UnknownEventTypeError      a stored or submitted event type this code does not know
└── UnknownSchemaVersionError  a stored payload version with no upcaster to the current one
"""

from __future__ import annotations


class EventStoreError(Exception):
    """Base class of every error raised by shared.events."""


class ConcurrencyError(EventStoreError):
    """The aggregate's next seq was not the one the writer expected: re-read and decide again."""

    def __init__(self, aggregate_id: str, expected_seq: int, got_seq: int) -> None:
        self.aggregate_id = aggregate_id
        self.expected_seq = expected_seq
        self.got_seq = got_seq
        super().__init__(
            f"aggregate {aggregate_id!r}: next seq is {expected_seq}, the append used {got_seq} "
            "(another writer got there first)"
        )


class StoreUnavailableError(EventStoreError):
    """The database did not answer (locked past the busy timeout, unreachable, I/O error)."""

    def __init__(self, operation: str, cause: str) -> None:
        self.operation = operation
        super().__init__(f"event store unavailable during {operation}: {cause}")


class ArchiveRequiredError(EventStoreError):
    def __init__(self, game_id: str) -> None:
        super().__init__(
            f"game {game_id!r} (and maybe others) was archived: rebuild the projections with the archive "
            "(python -m services.relay rebuild-projections) or their totals are lost"
        )


class ArchiveWriteError(EventStoreError):
    """Read back, an archive file differs from what was written: its events stay in the log."""

    def __init__(self, key: str, written: int, read: int | None) -> None:
        self.key = key
        super().__init__(
            f"archive file {key}: wrote {written} bytes, read back "
            f"{'nothing' if read is None else f'{read} different bytes'}; no event was deleted"
        )


class UnknownEventTypeError(EventStoreError):
    def __init__(self, event_type: str) -> None:
        super().__init__(f"unknown event type {event_type!r}")


class CheckpointConflictError(EventStoreError):
    """The named checkpoint moved since it was loaded: reload it and fold again."""

    def __init__(self, name: str, expected_position: int, found_position: int) -> None:
        self.name = name
        self.expected_position = expected_position
        self.found_position = found_position
        super().__init__(
            f"checkpoint {name!r}: expected position {expected_position}, found {found_position} "
            "(another reader saved it first)"
        )


class UnknownSchemaVersionError(EventStoreError):
    def __init__(self, event_type: str, schema_version: int) -> None:
        self.event_type = event_type
        self.schema_version = schema_version
        super().__init__(
            f"{event_type} schema_version {schema_version}: no upcaster leads from it to this code's"
        )
