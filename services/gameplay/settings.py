"""Gameplay configuration: one Settings object, read from environment variables (DESIGN §7)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from shared.settings import Environment, EventStoreSettings, _empty_is_unset

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Settings(EventStoreSettings):
    inference_timeout_ms: float = Field(150.0, gt=0)
    enable_ab_testing: bool = False
    ab_split: float = Field(0.5, ge=0.0, le=1.0)
    routing: Literal["fixed", "bandit"] = "fixed"  # bandit: Thompson sampling replaces ab_split
    max_body_bytes: int = Field(16_384, ge=256)
    game_cache_size: int = Field(10_000, ge=0)
    # An append waits this long for another writer's lock, on the event loop: then 503 + Retry-After.
    store_busy_timeout_ms: float = Field(50.0, gt=0, le=10_000)
    static_dir: Path = Path(__file__).resolve().parent / "static"  # the Lite UI's files
    # Keys the openings and fallback moves (HMAC-SHA256). Required in cluster; locally, when unset,
    # read from GAME_SECRET_FILE, which the first start creates (mode 0600).
    game_secret: SecretStr | None = None
    game_secret_file: Path = Path("data/game-secret")
    # Per-client token buckets (requests per minute, burst): far above what a person clicks.
    start_game_per_minute: float = Field(60.0, gt=0)
    start_game_burst: int = Field(30, ge=1)
    play_per_minute: float = Field(600.0, gt=0)
    play_burst: int = Field(120, ge=1)
    rate_limits: bool = True
    # Comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For is believed.
    trusted_proxies: str = ""

    _empty_secret_is_unset = field_validator("game_secret", mode="before")(_empty_is_unset)

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            ipaddress.ip_network(part, strict=False)  # ValueError names the bad entry
        return value

    @model_validator(mode="after")
    def _secret_required_in_cluster(self) -> Settings:
        if self.rps_env is Environment.CLUSTER and self.game_secret is None:
            raise ValueError("GAME_SECRET must be set when RPS_ENV=cluster")
        return self

    @property
    def trusted_proxy_networks(self) -> tuple[IpNetwork, ...]:
        parts = (p.strip() for p in self.trusted_proxies.split(","))
        return tuple(ipaddress.ip_network(p, strict=False) for p in parts if p)
