"""Gameplay errors and the one place that maps them to HTTP status codes.

GameplayError
├── GameNotFoundError        404
├── SessionNotFoundError     404
├── GameFinishedError        409  (a move on a finished game; nothing recorded)
├── RoundConflictError       409  (wrong round_no, or another /play recorded this round first)
├── BadQueryError            422
├── MissingTokenError        401
├── WrongTokenError          403
└── NotConfiguredError       503  (INTERNAL_TOKEN unset, UI files missing)
"""

from __future__ import annotations

from fastapi import FastAPI, Request

from services.gameplay.responses import JSON


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


async def _gameplay_error(_request: Request, exc: Exception) -> JSON:
    status = exc.status_code if isinstance(exc, GameplayError) else 500
    return JSON({"detail": str(exc)}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(GameplayError, _gameplay_error)
