"""The relay: the outbox reaches the Redis stream in position order, through any failure, once leased."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator

import orjson
import pytest
import redis
import sqlalchemy as sa
from fastapi.testclient import TestClient

from services.gameplay.app import create_app
from services.gameplay.settings import Settings
from shared.events import STREAM, Event, EventStore, Lease
from shared.events.relay import Relay, publish_all
from tests.conftest import RedisServer
from tests.gameplay.conftest import start
from tests.gameplay.events_factory import whole_game


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def stream_positions(client: redis.Redis) -> list[int]:
    return [int(fields[b"position"]) for _, fields in client.xrange(STREAM)]


def first_seen(positions: list[int]) -> list[int]:
    """What a reader that drops duplicates (by event_id; one id per position) handles, in order."""
    return list(dict.fromkeys(positions))


class Running:
    """A relay in a thread, as `python -m services.relay` runs it."""

    def __init__(self, store: EventStore, client: redis.Redis, holder: str = "relay-1") -> None:
        self.relay = Relay(store, Lease(client, holder), interval_s=0.02)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.relay.run, args=(self.stop,), daemon=True)

    def __enter__(self) -> Relay:
        self.thread.start()
        return self.relay

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()


@pytest.fixture
def store(sqlite_url: str) -> Iterator[EventStore]:
    opened = EventStore.from_url(sqlite_url, busy_timeout_s=0.1)
    yield opened
    opened.close()


def test_games_played_reach_the_stream_in_order_with_their_data(settings: Settings, redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    with TestClient(create_app(settings)) as app:
        store: EventStore = app.app.state.service.store
        game = start(app)
        for _ in range(5):
            assert (
                app.post("/play", json={"game_id": game["game_id"], "user_move": "paper"}).status_code == 200
            )
        with Running(store, client):
            wait_until(lambda: store.outbox_size() == 0)
    entries = client.xrange(STREAM)
    logged = list(store.iter_events())
    assert [int(fields[b"position"]) for _, fields in entries] == [e.position for e in logged]
    assert [Event.from_dict(orjson.loads(fields[b"event"])) for _, fields in entries] == logged


def test_redis_outage_loses_nothing_and_the_relay_says_it_is_down(
    store: EventStore, redis_server: RedisServer, redis_url: str
) -> None:
    client = redis.Redis.from_url(redis_url, socket_timeout=2)
    with Running(store, client) as relay:
        store.append(whole_game("g1", rounds=2))
        wait_until(lambda: store.outbox_size() == 0)
        redis_server.stop()
        store.append(whole_game("g2", rounds=3))
        wait_until(lambda: (relay.status.errors or {}).get("redis", 0) > 0)
        ready, why = relay.status.ready(time.time(), within_s=0.0)
        assert not ready and why.startswith("relay down: redis")
        assert store.outbox_size() == 5
        redis_server.start()  # same port, empty: the test server keeps nothing
        wait_until(lambda: store.outbox_size() == 0)
        assert relay.status.ready(time.time())[0]
    assert stream_positions(client) == [e.position for e in store.iter_events()][4:]


def test_database_locked_mid_run_the_relay_survives_and_the_stream_stays_in_order(
    store: EventStore, sqlite_url: str, redis_url: str
) -> None:
    """Drill (a): OperationalError while marking a sent batch; the batch goes out again, in order."""
    client = redis.Redis.from_url(redis_url)
    store.append(whole_game("g1", rounds=6))
    holder = sqlite3.connect(sa.make_url(sqlite_url).database or "", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a long writer: the relay can read and send, not mark
    with Running(store, client) as relay:
        try:
            wait_until(lambda: (relay.status.errors or {}).get("database", 0) >= 2)
            assert store.outbox_size() == 8
        finally:
            holder.execute("ROLLBACK")
        wait_until(lambda: store.outbox_size() == 0)
        store.append(whole_game("g2", rounds=2))
        wait_until(lambda: store.outbox_size() == 0)
    holder.close()
    positions = stream_positions(client)
    assert len(positions) > len(set(positions))  # the unmarked batch was sent again...
    assert first_seen(positions) == [e.position for e in store.iter_events()]  # ...in order, nothing lost


def test_redis_out_of_memory_mid_batch_never_reorders_the_stream(store: EventStore, redis_url: str) -> None:
    """Drill (b): maxmemory + noeviction leaves room for part of a batch; MULTI/EXEC sends all or none."""
    client = redis.Redis.from_url(redis_url)
    for n in range(10):
        store.append(whole_game(f"g{n}", rounds=20))  # 220 events: one batch of the relay
    client.set("filler", b"x" * 200_000)
    used = int(client.info("memory")["used_memory"])
    client.config_set("maxmemory-policy", "noeviction")
    client.config_set("maxmemory", used + 40_000)  # room for a few dozen entries, not 220
    try:
        with Running(store, client) as relay:
            wait_until(lambda: (relay.status.errors or {}).get("redis", 0) >= 2)
            assert "maxmemory" in (relay.status.last_error or "")  # Redis refused part of the batch
            assert client.xlen(STREAM) == 0  # no part of the refused batch went out
            client.delete("filler")
            client.config_set("maxmemory", 0)
            wait_until(lambda: store.outbox_size() == 0)
    finally:
        client.config_set("maxmemory", 0)
    positions = stream_positions(client)
    assert positions == [e.position for e in store.iter_events()]


def test_only_the_lease_holder_publishes(store: EventStore, redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    store.append(whole_game("g1", rounds=3))
    with Running(store, client, "relay-1") as first, Running(store, client, "relay-2") as second:
        wait_until(lambda: store.outbox_size() == 0)
        store.append(whole_game("g2", rounds=3))
        wait_until(lambda: store.outbox_size() == 0)
        assert sorted([first.status.leader, second.status.leader]) == [False, True]
        assert first.status.published + second.status.published == 10
        assert second.status.ready(time.time())[0]  # a standby is not down
        with pytest.raises(redis.RedisError, match="held by a running relay"):
            publish_all(store, Lease(client, "by-hand"))
    assert stream_positions(client) == [e.position for e in store.iter_events()]


def test_once_publishes_the_requeued_log_again(store: EventStore, redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    store.append(whole_game("g1", rounds=2))
    assert publish_all(store, Lease(client, "by-hand")) == 4
    assert store.requeue(after_position=0) == 4
    assert publish_all(store, Lease(client, "by-hand")) == 4
    assert first_seen(stream_positions(client)) == [e.position for e in store.iter_events()]
