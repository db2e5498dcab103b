"""The ASGI app for `uvicorn services.gameplay.main:app` (settings from the environment)."""

from services.gameplay.app import create_app
from services.gameplay.settings import Settings

app = create_app(Settings())
