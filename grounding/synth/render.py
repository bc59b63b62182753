"""Rendering pages in headless Chromium (Playwright): load, measure, hit-test, screenshot.

One browser and one page serve a whole run; each synthetic page is loaded into it with
`set_content` at its own viewport size, device scale factor 1.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from grounding.synth import resources

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--font-render-hinting=none",
    "--hide-scrollbars",
]


def chromium_path() -> str | None:
    """The Chromium to drive: $DESKPILOT_CHROMIUM, else the system's; None lets Playwright choose."""
    env = os.environ.get("DESKPILOT_CHROMIUM")
    if env:
        return env
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def open_browser() -> Iterator[Any]:
    """A headless Chromium for the duration of the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class Renderer:
    """One browser context and page, reused for every synthetic page."""

    def __init__(self, browser: Any):
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 800},
            device_scale_factor=1,
            locale="en-US",
            timezone_id="UTC",
            reduced_motion="reduce",
            color_scheme="light",
            java_script_enabled=True,
        )
        self.page = self.context.new_page()
        self._measure_js = resources.load_text("measure.js")
        self._hit_js = resources.load_text("hittest.js")

    def load(self, html: str, width: int, height: int) -> None:
        self.page.set_viewport_size({"width": width, "height": height})
        self.page.set_content(html, wait_until="load")
        self.page.evaluate("() => document.fonts.ready.then(() => true)")

    def measure(self, carets: Sequence[str] = (), words: Sequence[str] = ()) -> dict[str, Any]:
        """Boxes and visibility of every element, the page's text, caret and word geometry."""
        return self.page.evaluate(self._measure_js, {"carets": list(carets), "words": list(words)})

    def hit(self, points: list[tuple[str, float, float]]) -> list[bool]:
        if not points:
            return []
        return self.page.evaluate(self._hit_js, [list(p) for p in points])

    def screenshot(self) -> bytes:
        return self.page.screenshot(type="png", animations="disabled", caret="hide", scale="css")

    def close(self) -> None:
        self.context.close()
