"""One game over the public gameplay HTTP API (aiohttp), played by a simulated player.

Errors:
    SimulatorError
    └── ApiError    the API answered with an error status (4xx at once, 5xx after retries)
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from services.simulator.players import Player
from services.simulator.view import GameView
from shared.features import Move, Result

MAX_ROUNDS = 300  # stop a game that cannot end (endless draws)
RETRIES = 3  # per request, for connection errors and 5xx; /play with round_no is idempotent
RETRY_DELAY_S = 0.2


class SimulatorError(Exception):
    """Base class of the simulator's errors."""


class ApiError(SimulatorError):
    def __init__(self, path: str, status: int, body: str) -> None:
        super().__init__(f"{path} answered {status}: {body[:300]}")
        self.status = status


@dataclass(slots=True)
class GameRecord:
    """How one simulated game went."""

    game_id: str
    player: str
    policy: str
    model_alias: str | None = None
    winner: str | None = None  # "user", "bot", "draw" (the round cap), or None if stopped at MAX_ROUNDS
    rounds: int = 0
    user_score: float = 0.0
    bot_score: float = 0.0
    bot_sources: Counter[str] = field(default_factory=Counter)


def _points(raw: dict[str, float]) -> dict[Move, float]:
    return {Move(k): float(v) for k, v in raw.items()}


async def _post(session: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> dict[str, Any]:
    for attempt in range(RETRIES + 1):
        try:
            async with session.post(url, json=body) as response:
                if response.status < 400:
                    return await response.json()  # type: ignore[no-any-return]
                text = await response.text()
                if response.status < 500 or attempt == RETRIES:
                    raise ApiError(url, response.status, text)
        except (TimeoutError, aiohttp.ClientConnectionError):
            if attempt == RETRIES:
                raise
        await asyncio.sleep(RETRY_DELAY_S * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


async def play_game(
    session: aiohttp.ClientSession,
    base_url: str,
    player: Player,
    player_kind: str,
    policy: str,
    *,
    player_name: str,
    is_test: bool = False,
) -> GameRecord:
    """Start a game (in a new session) and play it to the end; the player sees only what the API
    shows a human."""
    base = base_url.rstrip("/")
    start: dict[str, Any] = {"player_name": player_name, "policy": policy, "is_test": is_test}
    game = await _post(session, f"{base}/start_game", start)
    record = GameRecord(
        game_id=game["game_id"], player=player_kind, policy=policy, model_alias=game.get("model_alias")
    )
    view = GameView(round_no=int(game.get("round_no", 1)), points=_points(game["round_points"]))
    while record.rounds < MAX_ROUNDS:
        move = player.move(view)
        played = await _post(
            session,
            f"{base}/play",
            {"game_id": record.game_id, "round_no": view.round_no, "user_move": move.value},
        )
        record.rounds += 1
        record.bot_sources[played.get("bot_source") or "unknown"] += 1
        record.user_score, record.bot_score = float(played["user_score"]), float(played["bot_score"])
        if played["finished"]:
            record.winner = played["winner"]
            break
        view = view.after(
            move,
            Move(played["bot_move"]),
            Result(played["result"]),
            record.user_score,
            record.bot_score,
            _points(played["next_round_points"]),
        )
    return record
