"""Typed dependencies: the objects create_app puts on app.state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.gameplay.errors import MissingTokenError, NotConfiguredError, WrongTokenError
from services.gameplay.service import GameService
from services.gameplay.settings import Settings
from shared.events import EventStore
from shared.settings import presented_token, token_matches


def get_service(request: Request) -> GameService:
    return request.app.state.service  # type: ignore[no-any-return]


def get_store(request: Request) -> EventStore:
    return request.app.state.service.store  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


ServiceDep = Annotated[GameService, Depends(get_service)]
StoreDep = Annotated[EventStore, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def require_internal_token(request: Request, settings: SettingsDep) -> None:
    """`Authorization: Bearer <INTERNAL_TOKEN>` or `X-Internal-Token: <INTERNAL_TOKEN>`."""
    if settings.internal_token is None:
        raise NotConfiguredError("internal endpoints are disabled: INTERNAL_TOKEN is not set")
    sent = presented_token(request.headers.get("authorization"), request.headers.get("x-internal-token"))
    if not sent:
        raise MissingTokenError()
    if not token_matches(settings.internal_token, sent):
        raise WrongTokenError()
