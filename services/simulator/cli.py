"""`python -m services.simulator simulate --games N --players MIX --url URL`: play simulated games."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from services.simulator.mix import MixError, parse_mix
from services.simulator.players import PLAYER_DESCRIPTIONS
from services.simulator.runner import bot_win_rate, simulate, summarise
from shared.features import POLICIES, get_policy

MIX_HELP = (
    "player mix: comma-separated TYPE[:WEIGHT], weights relative (default 1), e.g. "
    "'human:70,random:10,cycle:20'; each game's player type is allocated in exact proportion"
)


def build_parser() -> argparse.ArgumentParser:
    types = "\n".join(f"  {name:<10} {text}" for name, text in PLAYER_DESCRIPTIONS.items())
    parser = argparse.ArgumentParser(prog="python -m services.simulator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    sim = commands.add_parser(
        "simulate",
        help="play simulated games through the public HTTP API",
        description="Play simulated games against a gameplay server through its public HTTP API.",
        epilog=f"player types:\n{types}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sim.add_argument("--games", type=int, required=True, help="number of games to play")
    sim.add_argument("--players", default="human", help=MIX_HELP + " (default: human)")
    sim.add_argument(
        "--url", default="http://127.0.0.1:8000", help="gameplay base URL (default: %(default)s)"
    )
    sim.add_argument("--concurrency", type=int, default=8, help="games played at once (default: %(default)s)")
    sim.add_argument(
        "--policies",
        default=",".join(p.name for p in POLICIES),
        help="comma-separated bot policies, used in turn (default: %(default)s)",
    )
    sim.add_argument("--test", action="store_true", help="flag the games is_test (kept out of training)")
    sim.add_argument("--seed", type=int, default=None, help="seed the players for a reproducible run")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        mix = parse_mix(args.players)
        policies = [get_policy(p.strip()).name for p in args.policies.split(",")]
    except (MixError, ValueError) as exc:
        parser.error(str(exc))
    if args.games < 1 or args.concurrency < 1:
        parser.error("--games and --concurrency must be at least 1")
    result = asyncio.run(
        simulate(
            args.url,
            args.games,
            mix,
            concurrency=args.concurrency,
            policies=policies,
            is_test=args.test,
            seed=args.seed,
            # Trusted load: with gameplay's INTERNAL_TOKEN the games are not rate-limited.
            internal_token=os.environ.get("INTERNAL_TOKEN") or None,
        )
    )
    print(summarise(result.records))
    played, failed = len(result.records), len(result.errors)
    print(f"\n{played} games played, bot won {bot_win_rate(result.records):.1%}; {failed} failed")
    for error in result.errors[:10]:
        print(f"  {error}", file=sys.stderr)
    return 1 if result.errors else 0
