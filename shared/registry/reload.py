"""Ask inference to reload its models after an alias move; tolerate it being down.

Best effort by design: inference also reloads when it reads the AliasesChanged event.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

log = logging.getLogger(__name__)

RELOAD_TIMEOUT_S = 5.0  # POST /models/reload


@dataclass(frozen=True, slots=True)
class ReloadResult:
    ok: bool
    status: str  # one line for reports: "ok", "skipped: ..." or "failed: ..."


def reload_inference(inference_url: str, token: str | None) -> ReloadResult:
    """POST {inference}/models/reload with the internal token; never raises."""
    if not token:
        return ReloadResult(
            False, "skipped: INTERNAL_TOKEN not set (inference reloads from the AliasesChanged event)"
        )
    try:
        response = httpx.post(
            f"{inference_url.rstrip('/')}/models/reload",
            headers={"Authorization": f"Bearer {token}"},
            timeout=RELOAD_TIMEOUT_S,
        )
    except httpx.HTTPError as exc:
        log.warning("inference reload failed: %s", exc)
        return ReloadResult(False, f"failed: {exc} (inference reloads from the AliasesChanged event)")
    if response.status_code >= 400:
        log.warning("inference reload answered %s: %s", response.status_code, response.text[:200])
        return ReloadResult(False, f"failed: HTTP {response.status_code}")
    return ReloadResult(True, "ok")
