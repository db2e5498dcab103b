"""Typed dependencies: the app's single instances, reached through the request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from services.inference.cards import CardReader
from services.inference.errors import MissingTokenError, ReloadDisabledError, WrongTokenError
from services.inference.games import GameAliasResolver
from services.inference.metrics import InferenceMetrics
from services.inference.predictor import Predictor
from services.inference.settings import Settings
from services.inference.store import ModelStore
from shared.settings import token_matches


@dataclass(frozen=True, slots=True)
class Services:
    """Everything the routes use, built once by create_app."""

    settings: Settings
    store: ModelStore
    predictor: Predictor
    games: GameAliasResolver
    metrics: InferenceMetrics
    cards: CardReader


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


# The internal token, as OpenAPI security schemes: `Authorization: Bearer T`, or `X-Internal-Token: T`.
# auto_error=False: a missing or wrong token is answered by the checks below (401/403/503 Problems).
_bearer = HTTPBearer(
    scheme_name="InternalToken", auto_error=False, description="the internal token (INTERNAL_TOKEN)"
)
_header = APIKeyHeader(
    name="X-Internal-Token", scheme_name="InternalTokenHeader", auto_error=False, description="the same token"
)


def require_internal_token(
    services: ServicesDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    header: Annotated[str | None, Security(_header)],
) -> None:
    expected = services.settings.internal_token
    if expected is None:
        raise ReloadDisabledError()
    given = header or (bearer.credentials if bearer is not None else None)
    if not given:
        raise MissingTokenError()
    if not token_matches(expected, given):
        raise WrongTokenError()


InternalTokenDep = Depends(require_internal_token)
