"""The crawl browser's resource policy, checked in a real Chromium against a local page."""

from __future__ import annotations

import asyncio
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from crawler.browser import abort_heavy_request
from crawler.runner import scrapy_settings

PAGE = b"""<html><head><link rel="stylesheet" href="/style.css"></head>
<body><h1>Mini phone</h1><img src="/photo.png"><video src="/clip.mp4"></video></body></html>"""


@pytest.fixture
def site() -> Iterator[tuple[str, list[str]]]:
    requested: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requested.append(self.path)
            body = PAGE if self.path == "/" else b"x"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requested
    server.shutdown()


@pytest.mark.browser
def test_images_and_media_are_never_requested(site: tuple[str, list[str]]) -> None:
    url, requested = site
    settings = scrapy_settings()
    assert settings.get("PLAYWRIGHT_ABORT_REQUEST") == "crawler.browser.abort_heavy_request"
    options = settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
    if not Path(options["executable_path"]).is_file():
        pytest.skip(f"Chromium not installed at {options['executable_path']}")

    async def load() -> str:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(**options)
            page = await browser.new_page()

            async def route(r):  # type: ignore[no-untyped-def]
                await (r.abort() if abort_heavy_request(r.request) else r.continue_())

            await page.route("**/*", route)
            await page.goto(url)
            text = await page.inner_text("h1")
            await browser.close()
            return text

    assert asyncio.run(load()) == "Mini phone"
    assert sorted(requested) == ["/", "/style.css"]
