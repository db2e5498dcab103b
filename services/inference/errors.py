"""Errors of the inference service and the one place that maps them to HTTP status codes.

InferenceError
├── GameNotFoundError          404  gameplay does not know the game id
├── GameplayUnavailableError   503  gameplay did not answer usably
├── MissingTokenError          401  no internal token on a protected call
├── WrongTokenError            403  the internal token does not match
└── ReloadDisabledError        503  INTERNAL_TOKEN is not configured
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response


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


def json_response(body: Any, status_code: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status_code, media_type="application/json")


def _describe(error: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def install_error_handlers(app: FastAPI) -> None:
    """InferenceError → its status; validation errors → 422 with one readable sentence plus details."""

    async def inference_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, InferenceError)
        return json_response({"detail": str(exc)}, exc.status_code)

    async def validation_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        detail = "; ".join(_describe(e) for e in errors)
        return json_response({"detail": detail, "errors": errors}, 422)

    app.add_exception_handler(InferenceError, inference_error)
    app.add_exception_handler(RequestValidationError, validation_error)
