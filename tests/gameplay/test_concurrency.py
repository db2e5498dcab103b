"""Concurrent /play calls on one game, over real HTTP, on one and on two app instances."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import aiohttp

from services.gameplay.app import create_app
from services.gameplay.settings import Settings
from shared.events import EventStore, EventType
from tests.gameplay.conftest import InferenceStandIn, LiveServer


async def _post(session: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    async with session.post(url, json=body) as response:
        return response.status, await response.json()


async def _race(
    urls: list[str], game_id: str, rounds: int, with_round_no: bool
) -> list[tuple[int, dict[str, Any]]]:
    """Fire 8 simultaneous /play calls per round, spread over the servers, round after round."""
    outcomes = []
    async with aiohttp.ClientSession() as session:
        for round_no in range(1, rounds + 1):
            body: dict[str, Any] = {"game_id": game_id, "user_move": "rock"}
            if with_round_no:
                body["round_no"] = round_no
            calls = [_post(session, f"{urls[i % len(urls)]}/play", body) for i in range(8)]
            outcomes += await asyncio.gather(*calls)
    return outcomes


def _recorded_rounds(database_url: str, game_id: str) -> list[int]:
    store = EventStore.from_url(database_url)
    rounds = [e.payload.round_no for e in store.read_aggregate(game_id) if e.type is EventType.ROUND_PLAYED]
    store.close()
    return rounds


def _start(url: str) -> str:
    async def go() -> str:
        async with aiohttp.ClientSession() as session:
            status, body = await _post(
                session, f"{url}/start_game", {"player_name": "race", "policy": "lily"}
            )
            assert status == 200
            return str(body["game_id"])

    return asyncio.run(go())


def test_concurrent_plays_never_record_two_rounds_with_one_number(
    settings: Settings, inference: InferenceStandIn
) -> None:
    inference.delay_s = 0.02  # keeps the requests in flight together across the inference await
    with LiveServer(create_app(settings)) as one, LiveServer(create_app(settings)) as two:
        game_id = _start(one.url)
        outcomes = asyncio.run(_race([one.url, two.url], game_id, rounds=6, with_round_no=False))
    statuses = Counter(status for status, _ in outcomes)
    assert set(statuses) <= {200, 409}, statuses
    recorded = _recorded_rounds(settings.database_url, game_id)
    assert recorded == list(range(1, len(recorded) + 1))  # unique and gapless
    assert statuses[200] == len(recorded)  # every success is one recorded round, no more
    answered = sorted(body["round_no"] for status, body in outcomes if status == 200)
    assert answered == recorded
    assert statuses[409] > 0  # the race really happened


def test_concurrent_retries_with_round_no_all_get_the_one_recorded_result(
    settings: Settings, inference: InferenceStandIn
) -> None:
    inference.delay_s = 0.02
    with LiveServer(create_app(settings)) as one, LiveServer(create_app(settings)) as two:
        game_id = _start(one.url)
        outcomes = asyncio.run(_race([one.url, two.url], game_id, rounds=5, with_round_no=True))
    recorded = _recorded_rounds(settings.database_url, game_id)
    assert recorded == [1, 2, 3, 4, 5]
    by_round: dict[int, list[dict[str, Any]]] = {}
    for status, body in outcomes:
        assert status == 200, body
        by_round.setdefault(body["round_no"], []).append(body)
    for answers in by_round.values():
        assert len(answers) == 8
        assert all(a == answers[0] for a in answers)


def test_plays_alternating_between_two_instances_all_succeed(
    settings: Settings, inference: InferenceStandIn
) -> None:
    """Each instance caches games; a copy made stale by the other instance must not refuse a move."""

    async def alternate(urls: list[str], game_id: str, with_round_no: bool) -> list[tuple[int, Any]]:
        outcomes = []
        async with aiohttp.ClientSession() as session:
            for round_no in range(1, 9):
                body: dict[str, Any] = {"game_id": game_id, "user_move": "paper"}
                if with_round_no:
                    body["round_no"] = round_no
                outcomes.append(await _post(session, f"{urls[round_no % 2]}/play", body))
                if outcomes[-1][0] != 200 or outcomes[-1][1]["finished"]:
                    break
        return outcomes

    with LiveServer(create_app(settings)) as one, LiveServer(create_app(settings)) as two:
        for with_round_no in (True, False):
            game_id = _start(one.url)
            outcomes = asyncio.run(alternate([one.url, two.url], game_id, with_round_no))
            assert [status for status, _ in outcomes] == [200] * len(outcomes), outcomes
            played = [body["round_no"] for _, body in outcomes]
            recorded = _recorded_rounds(settings.database_url, game_id)
            assert recorded == played == list(range(1, len(recorded) + 1))
