"""Run the real gameplay app and a real headless Chromium for UI tests and screenshots."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from playwright.sync_api import Browser, sync_playwright

from tests.conftest import free_port

CHROMIUM = Path("/usr/bin/chromium")
# Quiet, offline, sandbox-less: the machine has no internet and tests may run as root.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_VIEWPORT = {"width": 420, "height": 900}
STARTUP_TIMEOUT_S = 30.0


@contextmanager
def running_gameplay(database_url: str, redis_url: str, inference_url: str) -> Iterator[str]:
    """The gameplay app from its factory, served by uvicorn on a free port; yields its base URL."""
    from services.gameplay.app import create_app
    from services.gameplay.settings import Settings

    settings = Settings(
        database_url=database_url,
        redis_url=redis_url,
        inference_url=inference_url,
        game_secret="ui-test-secret",
    )
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="gameplay", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the gameplay app did not start; see the log above")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@contextmanager
def launched_chromium() -> Iterator[Browser]:
    """The system Chromium (never a downloaded one) driven by Playwright."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
