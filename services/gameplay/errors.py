"""Gameplay errors and the one place that maps them to HTTP status codes.

GameplayError
├── GameNotFoundError        404
├── SessionNotFoundError     404
├── GameFinishedError        409  (a move on a finished game; nothing recorded)
├── RoundConflictError       409  (wrong round_no, or another /play recorded this round first)
├── BadQueryError            422
├── RateLimitedError         429  (with Retry-After)
├── MissingTokenError        401
├── WrongTokenError          403
├── NotConfiguredError       503  (INTERNAL_TOKEN unset, UI files missing)
└── StoreBusyError           503 + Retry-After  (the event store is locked or failing; nothing recorded)

Validation errors are 422 too, in the same Problem body, without the raw input (it may not even
be encodable: a lone surrogate, NaN, a 2^64 integer).
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError

from services.gameplay.responses import JSON
from shared.events import StoreUnavailableError

STORE_RETRY_AFTER_S = 1  # after a store failure, /play and /start_game answer 503 at once this long


class GameplayError(Exception):
    status_code = 500


class GameNotFoundError(GameplayError):
    status_code = 404

    def __init__(self, game_id: str) -> None:
        super().__init__(f"game {game_id!r} not found")


class SessionNotFoundError(GameplayError):
    status_code = 404

    def __init__(self, session_id: str) -> None:
        super().__init__(
            f"session {session_id!r} not found: session ids are issued by /start_game "
            "(omit session_id to start a new session)"
        )


class GameFinishedError(GameplayError):
    status_code = 409

    def __init__(self, game_id: str, winner: str) -> None:
        super().__init__(f"game {game_id!r} is finished (winner: {winner}); start a new game")


class RoundConflictError(GameplayError):
    status_code = 409


class BadQueryError(GameplayError):
    status_code = 422


class RateLimitedError(GameplayError):
    status_code = 429

    def __init__(self, what: str, retry_after_s: float) -> None:
        self.retry_after_s = max(1, math.ceil(retry_after_s))
        super().__init__(f"too many {what} requests from this address; retry in {self.retry_after_s} s")


class MissingTokenError(GameplayError):
    status_code = 401

    def __init__(self) -> None:
        super().__init__("internal endpoint: send `Authorization: Bearer <INTERNAL_TOKEN>`")


class WrongTokenError(GameplayError):
    status_code = 403

    def __init__(self) -> None:
        super().__init__("internal endpoint: the token is not valid")


class NotConfiguredError(GameplayError):
    status_code = 503


class StoreBusyError(GameplayError):
    status_code = 503

    def __init__(self, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(
            f"the game store is busy or unavailable: nothing was recorded, retry in {retry_after_s} s"
        )


def _text(value: object) -> str:
    """`value` as text that encodes as UTF-8 (a lone surrogate becomes U+FFFD)."""
    return str(value).encode("utf-8", "replace").decode("utf-8")


async def _gameplay_error(_request: Request, exc: Exception) -> JSON:
    status = exc.status_code if isinstance(exc, GameplayError) else 500
    headers = (
        {"Retry-After": str(exc.retry_after_s)}
        if isinstance(exc, StoreBusyError | RateLimitedError)
        else None
    )
    return JSON({"detail": _text(exc)}, status_code=status, headers=headers)


async def _store_unavailable(request: Request, _exc: Exception) -> JSON:
    return await _gameplay_error(request, StoreBusyError(STORE_RETRY_AFTER_S))


def _field_error(error: Any) -> dict[str, Any]:
    loc = [part if isinstance(part, int) else _text(part) for part in error.get("loc", ())]
    message = _text(error.get("msg", "invalid")).removeprefix("Value error, ")
    return {"loc": loc, "msg": message, "type": _text(error.get("type", "value_error"))}


async def _validation_error(_request: Request, exc: Exception) -> JSON:
    assert isinstance(exc, RequestValidationError)
    errors = [_field_error(e) for e in exc.errors()]
    parts = []
    for e in errors:
        where = ".".join(str(p) for p in e["loc"] if p != "body")
        parts.append(f"{where}: {e['msg']}" if where else e["msg"])
    return JSON({"detail": "; ".join(parts) or "invalid request", "errors": errors}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(GameplayError, _gameplay_error)
    app.add_exception_handler(StoreUnavailableError, _store_unavailable)
    app.add_exception_handler(RequestValidationError, _validation_error)
