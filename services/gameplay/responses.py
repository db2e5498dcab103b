"""JSON responses serialised by orjson from plain dicts (the response models document the shapes;
handing FastAPI a Response skips re-validating what the code just built)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
