"""Spider for the sandbox's JavaScript-rendered marketplace ("jsmarket"), through Chromium.

Every page is loaded by scrapy-playwright, which waits until the site's script has marked
``body[data-state]``. Scrapy's DOWNLOAD_TIMEOUT does not reach a browser download, so it is
passed on as Playwright's navigation timeout.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from scrapy.http import TextResponse
from scrapy_playwright.page import PageMethod

from crawler.items import ListingItem
from crawler.settings import playwright_settings
from spiders.base import SandboxSpider
from spiders.parsing import SearchPage, jsmarket

RENDER_TIMEOUT_MS = 30_000


class SandboxJsMarketSpider(SandboxSpider):
    name = "sandbox_jsmarket"
    site = "jsmarket"
    marketplace = "sandbox-jsmarket"
    custom_settings: ClassVar[dict[str, Any] | None] = {
        **(SandboxSpider.custom_settings or {}),
        **playwright_settings(),
    }

    def parse_search_page(self, response: TextResponse) -> SearchPage:
        return jsmarket.parse_search_page(response)

    def parse_item_page(self, response: TextResponse,
                        fetched_at: datetime | None = None) -> ListingItem:
        return jsmarket.parse_item_page(response, self.marketplace, fetched_at)

    def request_meta(self) -> dict[str, Any]:
        download_ms = self.settings.getfloat("DOWNLOAD_TIMEOUT", 30.0) * 1000
        # Rendering waits longer than the download: on a busy browser the script's API
        # call can take a while, and a render timeout is not the server's fault.
        render_ms = max(download_ms, RENDER_TIMEOUT_MS)
        return {
            "playwright": True,
            "playwright_page_goto_kwargs": {"timeout": download_ms},
            "playwright_page_methods": [
                PageMethod("wait_for_selector", jsmarket.READY_SELECTOR, timeout=render_ms),
            ],
        }
