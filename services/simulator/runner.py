"""Play many simulated games concurrently against a gameplay server and summarise them."""

from __future__ import annotations

import asyncio
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp
from tqdm import tqdm

from services.simulator.client import GameRecord, SimulatorError, play_game
from services.simulator.mix import Mix
from services.simulator.players import make_player
from shared.features import POLICIES

REQUEST_TIMEOUT_S = 30
POLICY_NAMES: tuple[str, ...] = tuple(policy.name for policy in POLICIES)


@dataclass(slots=True)
class SimulationResult:
    records: list[GameRecord] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def simulate(
    url: str,
    games: int,
    mix: Mix,
    *,
    concurrency: int = 8,
    policies: Sequence[str] = POLICY_NAMES,
    is_test: bool = False,
    seed: int | None = None,
    progress: bool | None = None,
    internal_token: str | None = None,
) -> SimulationResult:
    """Play `games` games, the player types allocated by `mix`, policies in turn.

    Each game gets its own player seeded from (seed, game index), so a seeded run plays the
    same players. The progress bar shows when stderr is a terminal (or `progress=True`).
    With `internal_token` the requests are trusted load, exempt from gameplay's rate limits.
    """
    seed = random.randrange(2**32) if seed is None else seed
    kinds = mix.allocate(games, random.Random(f"{seed}:mix"))
    result = SimulationResult()
    todo: asyncio.Queue[int] = asyncio.Queue()
    for i in range(games):
        todo.put_nowait(i)
    bar = tqdm(total=games, unit="game", disable=not (sys.stderr.isatty() if progress is None else progress))

    async def worker(session: aiohttp.ClientSession) -> None:
        while not todo.empty():
            i = todo.get_nowait()
            kind = kinds[i]
            player = make_player(kind, random.Random(f"{seed}:{i}"))
            try:
                record = await play_game(
                    session,
                    url,
                    player,
                    kind,
                    policies[i % len(policies)],
                    player_name=f"sim-{kind}-{i}",
                    is_test=is_test,
                )
                result.records.append(record)
            except (TimeoutError, SimulatorError, aiohttp.ClientError, KeyError, ValueError) as exc:
                result.errors.append(f"game {i} ({kind}): {type(exc).__name__}: {exc}")
            bar.update()
            bar.set_postfix(bot_wins=f"{bot_win_rate(result.records):.0%}", errors=len(result.errors))

    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    headers = {"Authorization": f"Bearer {internal_token}"} if internal_token else None
    async with aiohttp.ClientSession(
        timeout=timeout, connector=aiohttp.TCPConnector(limit=concurrency), headers=headers
    ) as session:
        await asyncio.gather(*(worker(session) for _ in range(max(1, min(concurrency, games)))))
    bar.close()
    return result


def bot_win_rate(records: Sequence[GameRecord]) -> float:
    finished = [r for r in records if r.winner is not None]
    return sum(r.winner == "bot" for r in finished) / len(finished) if finished else 0.0


def summarise(records: Sequence[GameRecord]) -> str:
    """A Markdown table: bot win rate and share of model-driven bot moves per player type and policy."""
    groups: dict[tuple[str, str], list[GameRecord]] = defaultdict(list)
    for r in records:
        groups[(r.player, r.policy)].append(r)
    lines = [
        "| player | policy | games | bot wins | mean rounds | model-driven moves |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for (player, policy), rs in sorted(groups.items()):
        sources = sum((r.bot_sources for r in rs), start=Counter[str]())
        ml = sources["model"] / max(1, sources["model"] + sources["fallback"])
        mean_rounds = sum(r.rounds for r in rs) / len(rs)
        lines.append(
            f"| {player} | {policy} | {len(rs)} | {bot_win_rate(rs):.0%} | {mean_rounds:.1f} | {ml:.0%} |"
        )
    return "\n".join(lines)
