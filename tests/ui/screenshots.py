"""Regenerate docs/ui-lite.png and docs/ui-lite-debug.png: `python -m tests.ui.screenshots`.

Runs the real gameplay app on a temporary SQLite file, a private redis-server and the inference
stand-in, plays a few rounds on each page in headless Chromium at a phone's size, and saves them.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import Browser

from tests.conftest import RedisServer
from tests.ui.harness import PHONE_VIEWPORT, launched_chromium, running_gameplay
from tests.ui.inference_standin import running_inference_standin

DOCS = Path(__file__).resolve().parents[2] / "docs"
ROUNDS = 5
MOVES = ("rock", "paper", "scissors", "paper", "rock")


def capture(browser: Browser, base_url: str, path: str, target: Path) -> None:
    context = browser.new_context(viewport=PHONE_VIEWPORT, base_url=base_url, device_scale_factor=1)
    page = context.new_page()
    page.goto(path)
    page.wait_for_selector("#app[data-ready=true]")
    page.fill("#player-name", "Ada")
    page.select_option("#policy", "lily")
    page.click("#start-button")
    for i, move in enumerate(MOVES[:ROUNDS]):
        page.click(f'button.move[data-move="{move}"]')
        page.wait_for_function(f"document.querySelectorAll('#history tbody tr').length === {i + 1}")
    if "debug" in path:  # show the newest round's features too
        page.locator("#debug-rounds .round-debug").first.locator("summary", has_text="features").click()
    page.wait_for_timeout(400)  # let the score bars finish their transition
    page.screenshot(path=str(target), full_page=True)
    context.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        redis = RedisServer(Path(tmp))
        redis.start()
        try:
            with (
                running_inference_standin() as inference_url,
                running_gameplay(f"sqlite:///{tmp}/rps.db", redis.url, inference_url) as base_url,
                launched_chromium() as browser,
            ):
                for path, name in (("/ui-lite", "ui-lite.png"), ("/ui-lite-debug", "ui-lite-debug.png")):
                    capture(browser, base_url, path, DOCS / name)
                    print(f"wrote {DOCS / name}")
        finally:
            redis.stop()


if __name__ == "__main__":
    main()
