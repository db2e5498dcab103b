"""Per-client rate limits on /start_game and /play: in-process token buckets keyed by address.

The client's address is the TCP peer's, or, when that peer is a configured trusted proxy, the
last X-Forwarded-For hop that is not one. Requests presenting the internal token (the simulator,
`make run`'s bootstrap, the benchmarks) are trusted load and never limited.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Sequence

from services.gameplay.settings import IpNetwork

MAX_CLIENTS = 100_000  # buckets kept; past this the idle (full) ones are dropped


class TokenBucket:
    """`rate_per_s` tokens a second up to `burst` per key; a request takes one."""

    def __init__(self, rate_per_s: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate_per_s
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def take(self, key: str) -> float:
        """0 when the request may go; otherwise the seconds until a token is there."""
        now = self.clock()
        tokens, at = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate
        self._buckets[key] = (tokens - 1.0, now)
        if len(self._buckets) > MAX_CLIENTS:
            self._forget_idle(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        """Drop the buckets that have refilled: forgetting them changes nothing."""
        full = [k for k, (t, at) in self._buckets.items() if t + (now - at) * self.rate >= self.burst]
        for key in full:
            del self._buckets[key]


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[IpNetwork]) -> str:
    """The address to limit: the peer's, unless the peer is a trusted proxy that forwarded the request."""
    address = peer or "unknown"
    if not forwarded_for or not _is_trusted(address, trusted):
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
        if not hop:
            continue
        if not _is_trusted(hop, trusted):
            return hop
        address = hop
    return address


def _is_trusted(address: str, trusted: Sequence[IpNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)
