"""Simulated players play whole games through the real gameplay HTTP API (a uvicorn process)."""

from __future__ import annotations

import asyncio
import itertools
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.simulator.mix import parse_mix
from services.simulator.runner import simulate, summarise
from tests.e2e.stack import LocalStack


@pytest.fixture
def gameplay(redis_url: str, tmp_path: Path) -> Iterator[LocalStack]:
    """Gameplay alone: inference is not running, so the bot plays its degraded fallback."""
    stack = LocalStack(tmp_path, redis_url)
    stack.start(services=("gameplay",))
    yield stack
    stack.stop()


def get_game(stack: LocalStack, game_id: str) -> dict:
    with urllib.request.urlopen(f"{stack.gameplay_url}/games/{game_id}", timeout=5) as response:
        return json.load(response)


def test_every_player_type_plays_whole_games_over_http(gameplay: LocalStack) -> None:
    mix = parse_mix("human:2,constant,cycle,copy,beat_last,biased,wsls,random,counter")
    result = asyncio.run(
        simulate(
            gameplay.gameplay_url, 20, mix, concurrency=4, seed=3, is_test=True, internal_token=gameplay.token
        )
    )
    assert result.errors == []
    assert len(result.records) == 20
    assert {r.player for r in result.records} == {k for k, _ in mix.weights}
    for record in result.records:
        assert record.winner in ("user", "bot")
        assert max(record.user_score, record.bot_score) >= 10
        assert record.bot_sources["opening"] == 3
        assert record.bot_sources["model"] == 0  # no inference: every later move is the fallback
    assert "| human |" in summarise(result.records)


def test_recorded_game_matches_what_the_player_saw(gameplay: LocalStack) -> None:
    result = asyncio.run(
        simulate(
            gameplay.gameplay_url,
            3,
            parse_mix("cycle"),
            concurrency=1,
            seed=1,
            is_test=True,
            internal_token=gameplay.token,
        )
    )
    for record in result.records:
        game = get_game(gameplay, record.game_id)
        assert game["is_test"] is True
        assert game["status"] == "finished" and game["winner"] == record.winner
        assert len(game["rounds"]) == record.rounds
        moves = [r["user_move"] for r in game["rounds"]]
        # A cycle player steps rock → paper → scissors: each move beats the one before.
        order = ["rock", "paper", "scissors"]
        assert all(order.index(b) == (order.index(a) + 1) % 3 for a, b in itertools.pairwise(moves))


def test_same_seed_draws_the_same_players(gameplay: LocalStack) -> None:
    """Game ids (hence round values) differ between runs; the players drawn from a seed do not."""

    def constant_moves() -> list[str]:
        mix = parse_mix("constant")
        result = asyncio.run(
            simulate(
                gameplay.gameplay_url,
                3,
                mix,
                concurrency=1,
                seed=5,
                is_test=True,
                internal_token=gameplay.token,
            )
        )
        return [
            get_game(gameplay, g.game_id)["rounds"][0]["user_move"] for g in result.records
        ]  # concurrency 1: in game order

    assert constant_moves() == constant_moves()


def test_progress_bar_counts_games_when_asked(
    gameplay: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(
        simulate(
            gameplay.gameplay_url,
            3,
            parse_mix("random"),
            seed=1,
            is_test=True,
            progress=True,
            internal_token=gameplay.token,
        )
    )
    assert "3/3" in capsys.readouterr().err
