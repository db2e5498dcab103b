"""Errors of the inference service and the one place that maps them to HTTP status codes.

InferenceError
├── GameNotFoundError          404  gameplay does not know the game id
├── GameplayUnavailableError   503  gameplay did not answer usably
├── MissingTokenError          401  no internal token on a protected call
├── WrongTokenError            403  the internal token does not match
├── ReloadDisabledError        503  INTERNAL_TOKEN is not configured
├── ReloadFailedError          503  the model set could not be built; the previous one still serves
├── CardNotFoundError          404  no model card for that family and version
└── CardUnavailableError       503  no card in the serving cache, and the registry cannot be read

Every error answer is a `Problem` (schemas.py): `{"detail": "...", "errors": [...]}` (errors on a 422).
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response

from services.inference.schemas import FieldError, Problem, errors_of
from shared.features import FEATURE_COUNT, FEATURE_NAMES


class InferenceError(Exception):
    status_code = 500


class GameNotFoundError(InferenceError):
    status_code = 404

    def __init__(self, game_id: str) -> None:
        super().__init__(f"game {game_id!r} not found in gameplay")


class GameplayUnavailableError(InferenceError):
    status_code = 503


class MissingTokenError(InferenceError):
    status_code = 401

    def __init__(self) -> None:
        super().__init__("missing internal token: send 'Authorization: Bearer <token>' or 'X-Internal-Token'")


class WrongTokenError(InferenceError):
    status_code = 403

    def __init__(self) -> None:
        super().__init__("internal token does not match")


class ReloadDisabledError(InferenceError):
    status_code = 503

    def __init__(self) -> None:
        super().__init__("INTERNAL_TOKEN is not set on this inference service, so reload over HTTP is off")


class ReloadFailedError(InferenceError):
    status_code = 503

    def __init__(self, generation: int, exc: Exception) -> None:
        super().__init__(f"model reload failed ({exc!r}); generation {generation} still serves")


class CardNotFoundError(InferenceError):
    status_code = 404

    def __init__(self, family: str, version: int, where: str) -> None:
        super().__init__(f"no model card for {family} version {version} ({where})")


class CardUnavailableError(InferenceError):
    status_code = 503

    def __init__(self, family: str, version: int, exc: Exception) -> None:
        super().__init__(
            f"the serving cache has no card for {family} version {version} and the registry "
            f"cannot be read: {exc}"
        )


def json_response(body: Any, status_code: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status_code, media_type="application/json")


def _describe(error: FieldError) -> str:
    parts = [p for p in error.loc if p != "body"]
    if len(parts) == 2 and parts[0] == "features" and isinstance(parts[1], int) and parts[1] < FEATURE_COUNT:
        where = f"features[{parts[1]}] ({FEATURE_NAMES[parts[1]]})"  # the feature's name, not its value
    else:
        where = ".".join(str(p) for p in parts)
    message = error.msg.removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def problem(detail: str, status_code: int, errors: list[FieldError] | None = None) -> Response:
    body = Problem(detail=detail, errors=errors).model_dump(mode="json", exclude_none=True)
    return json_response(body, status_code)


def install_error_handlers(app: FastAPI) -> None:
    """InferenceError → its status; validation errors → 422 with one readable sentence plus details."""

    async def inference_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, InferenceError)
        return problem(str(exc), exc.status_code)

    async def validation_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = errors_of(list(exc.errors()))
        return problem("; ".join(_describe(e) for e in errors), 422, errors)

    app.add_exception_handler(InferenceError, inference_error)
    app.add_exception_handler(RequestValidationError, validation_error)
