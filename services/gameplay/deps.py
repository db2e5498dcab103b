"""Typed dependencies: the objects create_app puts on app.state, the token check and the rate limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.gameplay.errors import MissingTokenError, NotConfiguredError, RateLimitedError, WrongTokenError
from services.gameplay.limits import TokenBucket, client_address
from services.gameplay.service import GameService
from services.gameplay.settings import IpNetwork, Settings
from shared.events import EventStore
from shared.settings import presented_token, token_matches

# The OpenAPI security scheme of /internal/*; `X-Internal-Token: <token>` is accepted as well.
internal_bearer = HTTPBearer(
    scheme_name="InternalToken", description="INTERNAL_TOKEN as a bearer token", auto_error=False
)


def get_service(request: Request) -> GameService:
    return request.app.state.service  # type: ignore[no-any-return]


def get_store(request: Request) -> EventStore:
    return request.app.state.service.store  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


ServiceDep = Annotated[GameService, Depends(get_service)]
StoreDep = Annotated[EventStore, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def require_internal_token(
    request: Request,
    settings: SettingsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(internal_bearer)],
) -> None:
    """`Authorization: Bearer <INTERNAL_TOKEN>` or `X-Internal-Token: <INTERNAL_TOKEN>`."""
    if settings.internal_token is None:
        raise NotConfiguredError("internal endpoints are disabled: INTERNAL_TOKEN is not set")
    sent = bearer.credentials if bearer is not None else request.headers.get("x-internal-token")
    if not sent:
        raise MissingTokenError()
    if not token_matches(settings.internal_token, sent):
        raise WrongTokenError()


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The buckets of the limited routes, built once by create_app."""

    start_game: TokenBucket
    play: TokenBucket
    trusted_proxies: tuple[IpNetwork, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        return cls(
            TokenBucket(settings.start_game_per_minute / 60, settings.start_game_burst),
            TokenBucket(settings.play_per_minute / 60, settings.play_burst),
            settings.trusted_proxy_networks,
        )


def _limit(request: Request, what: str) -> None:
    limits: RateLimits | None = request.app.state.limits
    if limits is None:
        return
    settings: Settings = request.app.state.settings
    if settings.internal_token is not None:
        sent = presented_token(request.headers.get("authorization"), request.headers.get("x-internal-token"))
        if sent and token_matches(settings.internal_token, sent):
            return  # trusted load
    peer = request.client.host if request.client else None
    key = client_address(peer, request.headers.get("x-forwarded-for"), limits.trusted_proxies)
    bucket = limits.start_game if what == "/start_game" else limits.play
    wait = bucket.take(key)
    if wait:
        raise RateLimitedError(what, wait)


def limit_start_game(request: Request) -> None:
    _limit(request, "/start_game")


def limit_play(request: Request) -> None:
    _limit(request, "/play")
