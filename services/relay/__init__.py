"""The relay process: the outbox of the event store onto the Redis stream (shared.events.relay)."""
