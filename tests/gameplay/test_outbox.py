"""The outbox: every event reaches the Redis stream in order, also across a Redis outage."""

from __future__ import annotations

import time
from collections.abc import Callable

import orjson
import redis
from fastapi.testclient import TestClient

from services.gameplay.app import create_app
from services.gameplay.settings import Settings
from shared.events import STREAM, Event, EventStore, publish_pending_sync
from tests.conftest import RedisServer
from tests.gameplay.conftest import start


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def stream_event_ids(client: redis.Redis) -> list[str]:
    """The event ids on the stream, in stream order."""
    return [fields[b"event_id"].decode() for _, fields in client.xrange(STREAM)]


def first_seen(event_ids: list[str]) -> list[str]:
    """What a reader that de-duplicates by event_id handles, in order."""
    return list(dict.fromkeys(event_ids))


def play(client: TestClient, game_id: str, rounds: int) -> None:
    for _ in range(rounds):
        response = client.post("/play", json={"game_id": game_id, "user_move": "paper"})
        assert response.status_code == 200, response.text


def test_events_reach_the_stream_in_order_with_their_data(settings: Settings, redis_url: str) -> None:
    with TestClient(create_app(settings)) as client:
        store: EventStore = client.app.state.service.store
        game = start(client)
        play(client, game["game_id"], 5)
        wait_until(lambda: store.outbox_size() == 0)
        entries = redis.Redis.from_url(redis_url).xrange(STREAM)
    logged = list(store.iter_events())
    assert [int(fields[b"position"]) for _, fields in entries] == [e.position for e in logged]
    assert [fields[b"event_id"].decode() for _, fields in entries] == [e.event_id for e in logged]
    assert entries[-1][1][b"type"] == b"RoundPlayed"
    assert [Event.from_dict(orjson.loads(fields[b"event"])) for _, fields in entries] == logged


def test_redis_outage_mid_game_loses_nothing_and_a_reader_sees_each_event_once(
    settings: Settings, redis_server: RedisServer, redis_url: str
) -> None:
    client_redis = redis.Redis.from_url(redis_url)
    with TestClient(create_app(settings)) as client:
        store: EventStore = client.app.state.service.store
        game = start(client)
        play(client, game["game_id"], 2)
        wait_until(lambda: store.outbox_size() == 0)
        handled = stream_event_ids(client_redis)
        assert len(handled) == 3

        redis_server.stop()
        play(client, game["game_id"], 4)  # the game goes on while Redis is down
        assert store.outbox_size() == 4
        assert client.get("/readyz").status_code == 200

        redis_server.start()  # same port, empty: no persistence in the test server
        wait_until(lambda: store.outbox_size() == 0)
        handled += stream_event_ids(client_redis)

        # At least once: an operator replays the whole log (or a publisher crashed before marking
        # events published); a reader de-duplicating by event_id still handles each event once.
        assert store.requeue(after_position=0) == 7
        publish_pending_sync(store, client_redis)
        replayed = stream_event_ids(client_redis)
        assert len(replayed) == 4 + 7
        handled += replayed
        logged = [e.event_id for e in store.iter_events()]
    assert first_seen(handled) == logged


def test_rounds_played_between_two_passes_go_out_in_one_batch(settings: Settings, redis_url: str) -> None:
    """One publishing pass (SELECT, XADD pipeline, DELETE) per round cost gameplay almost half its
    CPU at one client; passes run at most every OUTBOX_INTERVAL_MS and take what piled up."""
    batches: list[int] = []
    passes: list[float] = []
    with TestClient(create_app(settings.model_copy(update={"outbox_interval_ms": 1000.0}))) as client:
        publisher = client.app.state.publisher
        publisher._on_published = batches.append
        publish_pending = publisher.publish_pending

        async def counted() -> int:
            passes.append(time.monotonic())
            return await publish_pending()

        publisher.publish_pending = counted
        wait_until(lambda: bool(passes))  # just after a pass: the next one is a second away
        seen = len(passes)
        game = start(client)
        play(client, game["game_id"], 5)
        assert len(passes) == seen, "a pass came between the rounds: the machine was too slow to test this"
        wait_until(lambda: client.app.state.service.store.outbox_size() == 0)
    assert batches == [6]  # GameStarted + 5 RoundPlayed, in one pass
    assert redis.Redis.from_url(redis_url).xlen(STREAM) == 6
