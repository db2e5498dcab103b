"""Fixtures for the Lite UI tests: the real gameplay app, an inference stand-in, a real Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import service_unavailable
from tests.ui.harness import CHROMIUM, PHONE_VIEWPORT, launched_chromium, running_gameplay
from tests.ui.inference_standin import running_inference_standin


# Per module, not per session: Playwright's sync driver owns an event loop while it runs, which
# must not outlive the UI tests and meet other packages' asyncio tests.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        service_unavailable(f"{CHROMIUM} is missing (make services installs it with apt)")
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def inference_url() -> Iterator[str]:
    with running_inference_standin() as url:
        yield url


@pytest.fixture
def gameplay_url(sqlite_url: str, redis_url: str, inference_url: str) -> Iterator[str]:
    with running_gameplay(sqlite_url, redis_url, inference_url) as url:
        yield url


@pytest.fixture
def page_errors() -> list[str]:
    """JavaScript errors the page raised; a test ends by asserting there were none."""
    return []


@pytest.fixture
def page(browser: Browser, gameplay_url: str, page_errors: list[str]) -> Iterator[Page]:
    """A fresh phone-sized tab (its own localStorage) on the gameplay app."""
    context = browser.new_context(viewport=PHONE_VIEWPORT, base_url=gameplay_url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.on("pageerror", lambda error: page_errors.append(str(error)))
    yield tab
    context.close()
