"""Full-page PNG screenshots of listing pages, in one Chromium per crawl process.

The browser is launched on first need with the crawl's own launch options
(``PLAYWRIGHT_LAUNCH_OPTIONS``: Debian's Chromium) and closed by `close`. Unlike the crawl's
browser it loads images, fonts and media: a screenshot is evidence and must show the page as a
person saw it. Every page is opened afresh, whether the crawl fetched it with or without a
browser; at most ``max_concurrency`` pages are open at once, and each screenshot has a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from playwright.async_api import Browser, Playwright, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

__all__ = ["PNG_MEDIA_TYPE", "PageScreenshotter", "Screenshot", "ScreenshotFailed", "chromium_version"]

PNG_MEDIA_TYPE = "image/png"
VIEWPORT = {"width": 1280, "height": 900}
# Pages that load their listing with a script settle within a few seconds; a site that never
# goes network-idle (long polling, trackers) is shot once this wait runs out.
SETTLE_SECONDS = 5.0


class ScreenshotFailed(Exception):
    """A screenshot could not be taken (named with the URL and the cause)."""


@dataclass(frozen=True)
class Screenshot:
    png: bytes
    url: str
    browser_version: str


@lru_cache(maxsize=4)
def chromium_version(executable: str) -> str | None:
    """The version ``chromium --version`` reports, e.g. "156.0.8078.79"; None if it cannot run."""
    try:
        out = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except OSError:
        return None
    words = [w for w in out.split() if w[:1].isdigit()]
    return words[0] if words else None


class PageScreenshotter:
    """Takes screenshots on the running asyncio loop (the crawl's reactor loop)."""

    def __init__(
        self,
        launch_options: Mapping[str, Any],
        *,
        timeout: float,
        max_concurrency: int = 2,
        user_agent: str | None = None,
    ) -> None:
        self.launch_options = dict(launch_options)
        self.timeout = timeout
        self.user_agent = user_agent
        self._slots = asyncio.Semaphore(max_concurrency)
        self._launching = asyncio.Lock()
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    async def take(self, url: str) -> Screenshot:
        """A full-page PNG of `url`, or `ScreenshotFailed` (also after `timeout` seconds)."""
        async with self._slots:
            try:
                # The deadline is the page's: launching the browser has Playwright's own timeout.
                browser = await self._ready_browser()
                return await asyncio.wait_for(self._take(browser, url), self.timeout)
            except TimeoutError:
                raise ScreenshotFailed(f"screenshot of {url} timed out after {self.timeout:g}s") from None
            except ScreenshotFailed:
                raise
            except Exception as exc:
                raise ScreenshotFailed(f"screenshot of {url} failed: {exc}") from exc

    async def _take(self, browser: Browser, url: str) -> Screenshot:
        context = await browser.new_context(viewport=VIEWPORT, user_agent=self.user_agent)  # type: ignore[arg-type]
        try:
            page = await context.new_page()
            response = await page.goto(url, wait_until="load")
            if response is not None and response.status >= 400:
                raise ScreenshotFailed(f"screenshot of {url}: the page answered HTTP {response.status}")
            with contextlib.suppress(PlaywrightTimeoutError):  # not settled in time: shoot what is there
                await page.wait_for_load_state("networkidle", timeout=SETTLE_SECONDS * 1000)
            png = await page.screenshot(full_page=True, type="png")
            return Screenshot(png=png, url=page.url, browser_version=browser.version)
        finally:
            await context.close()

    async def _ready_browser(self) -> Browser:
        async with self._launching:
            if self._browser is None or not self._browser.is_connected():
                if self._playwright is None:
                    self._playwright = await async_playwright().start()
                self._browser = await self._playwright.chromium.launch(**self.launch_options)
            return self._browser

    @property
    def launched(self) -> bool:
        return self._browser is not None

    async def close(self) -> None:
        if self._browser is not None:
            await self._browser.close()
            self._browser = None
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None
