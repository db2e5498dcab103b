"""Gameplay errors and the one place that maps them to HTTP status codes.

GameplayError
├── GameNotFoundError        404
├── SessionNotFoundError     404
├── GameFinishedError        409  (a move on a finished game; nothing recorded)
├── RoundConflictError       409  (wrong round_no, or another /play recorded this round first)
├── BadQueryError            422
├── MissingTokenError        401
├── WrongTokenError          403
├── NotConfiguredError       503  (INTERNAL_TOKEN unset, UI files missing)
└── StoreBusyError           503 + Retry-After  (the event store is locked or failing; nothing recorded)
"""

from __future__ import annotations

from fastapi import FastAPI, Request

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
        super().__init__(f"session {session_id!r} not found")


class GameFinishedError(GameplayError):
    status_code = 409

    def __init__(self, game_id: str, winner: str) -> None:
        super().__init__(f"game {game_id!r} is finished (winner: {winner}); start a new game")


class RoundConflictError(GameplayError):
    status_code = 409


class BadQueryError(GameplayError):
    status_code = 422


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


async def _gameplay_error(_request: Request, exc: Exception) -> JSON:
    status = exc.status_code if isinstance(exc, GameplayError) else 500
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, StoreBusyError) else None
    return JSON({"detail": str(exc)}, status_code=status, headers=headers)


async def _store_unavailable(request: Request, _exc: Exception) -> JSON:
    return await _gameplay_error(request, StoreBusyError(STORE_RETRY_AFTER_S))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(GameplayError, _gameplay_error)
    app.add_exception_handler(StoreUnavailableError, _store_unavailable)
