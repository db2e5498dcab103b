"""The Lite UI pages (their files are under services/gameplay/static/)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from services.gameplay.deps import SettingsDep
from services.gameplay.errors import NotConfiguredError
from services.gameplay.schemas import problems

router = APIRouter(tags=["ui"])


def _page(settings: SettingsDep, name: str) -> FileResponse:
    path = settings.static_dir / name
    if not path.is_file():
        raise NotConfiguredError(f"the Lite UI page {name} is not installed (expected at {path})")
    return FileResponse(path, media_type="text/html")


@router.get("/ui-lite", response_class=FileResponse, responses=problems(503))
def ui_lite(settings: SettingsDep) -> FileResponse:
    """Play a game in the browser."""
    return _page(settings, "ui-lite.html")


@router.get("/ui-lite-debug", response_class=FileResponse, responses=problems(503))
def ui_lite_debug(settings: SettingsDep) -> FileResponse:
    """The same with the model's probabilities, alias, version and each round's 50 features."""
    return _page(settings, "ui-lite-debug.html")
