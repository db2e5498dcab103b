"""Typed dependencies: the app's single instances, reached through the request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from services.inference.errors import MissingTokenError, ReloadDisabledError, WrongTokenError
from services.inference.games import GameAliasResolver
from services.inference.metrics import InferenceMetrics
from services.inference.predictor import Predictor
from services.inference.settings import Settings
from services.inference.store import ModelStore
from shared.settings import presented_token, token_matches


@dataclass(frozen=True, slots=True)
class Services:
    """Everything the routes use, built once by create_app."""

    settings: Settings
    store: ModelStore
    predictor: Predictor
    games: GameAliasResolver
    metrics: InferenceMetrics


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def require_internal_token(
    services: ServicesDep,
    authorization: Annotated[str | None, Header()] = None,
    x_internal_token: Annotated[str | None, Header()] = None,
) -> None:
    expected = services.settings.internal_token
    if expected is None:
        raise ReloadDisabledError()
    given = presented_token(authorization, x_internal_token)
    if not given:
        raise MissingTokenError()
    if not token_matches(expected, given):
        raise WrongTokenError()


InternalTokenDep = Depends(require_internal_token)
