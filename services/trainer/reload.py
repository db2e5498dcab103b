"""Ask inference to reload its models over HTTP; tolerate it being down."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx

from services.trainer import defaults

log = logging.getLogger(__name__)


def inference_reloader(inference_url: str, token: str | None) -> Callable[[], str]:
    """POST {inference}/models/reload with the internal token; returns a status line, never raises."""

    def reload() -> str:
        if not token:
            return "skipped: INTERNAL_TOKEN not set (inference reloads from the AliasesChanged event)"
        try:
            response = httpx.post(
                f"{inference_url.rstrip('/')}/models/reload",
                headers={"Authorization": f"Bearer {token}"},
                timeout=defaults.RELOAD_TIMEOUT_S,
            )
        except httpx.HTTPError as exc:
            log.warning("inference reload failed: %s", exc)
            return f"failed: {exc} (inference reloads from the AliasesChanged event)"
        if response.status_code >= 400:
            log.warning("inference reload answered %s: %s", response.status_code, response.text[:200])
            return f"failed: HTTP {response.status_code}"
        return "ok"

    return reload
