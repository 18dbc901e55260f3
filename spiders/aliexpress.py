"""Spider for AliExpress (aliexpress.com and its language subdomains), through Chromium.

AliExpress renders its results and item pages with JavaScript: a plain fetch gets a shell.
Every page is loaded by scrapy-playwright, which waits for a result link or the item title.
Images, fonts and media are aborted before they load (``crawler.browser``). The spider never
takes the Playwright
page (no ``playwright_include_page``), so scrapy-playwright closes every page itself, on
failure too. Listing ids are global: every subdomain stores under "aliexpress.com".
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from scrapy_playwright.page import PageMethod

from crawler.settings import playwright_settings
from spiders.marketplace import MarketplaceSpider
from spiders.parsing import aliexpress

RENDER_TIMEOUT_MS = 30_000
_NOT_SLUG = re.compile(r"[^\w]+")


class AliexpressSpider(MarketplaceSpider):
    name = "aliexpress"
    site = "aliexpress"
    parser = aliexpress
    build_next_pages = True
    custom_settings: ClassVar[dict[str, Any] | None] = playwright_settings()
    domain_locales: ClassVar[dict[str, str]] = {
        "aliexpress.com": "intl",
        "fr.aliexpress.com": "fr",
        "es.aliexpress.com": "es",
        "de.aliexpress.com": "de",
        "it.aliexpress.com": "it",
        "nl.aliexpress.com": "nl",
        "pt.aliexpress.com": "pt",
        "pl.aliexpress.com": "pl",
    }
    default_domains = ("aliexpress.com",)

    @classmethod
    def search_url(cls, domain: str, query: str, page: int = 1) -> str:
        host = domain if domain.count(".") > 1 else f"www.{domain}"
        slug = _NOT_SLUG.sub("-", query.strip()).strip("-")
        suffix = f"?page={page}" if page > 1 else ""
        return f"https://{host}/w/wholesale-{slug}.html{suffix}"

    @classmethod
    def marketplace_for(cls, domain: str) -> str:
        return "aliexpress.com"

    def request_meta(self) -> dict[str, Any]:
        download_ms = self.settings.getfloat("DOWNLOAD_TIMEOUT", 30.0) * 1000
        return {
            "playwright": True,
            "playwright_page_goto_kwargs": {"timeout": download_ms},
            "playwright_page_methods": [
                PageMethod(
                    "wait_for_selector",
                    aliexpress.READY_SELECTOR,
                    timeout=max(download_ms, RENDER_TIMEOUT_MS),
                ),
            ],
        }
