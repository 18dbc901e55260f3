"""Spider for Cdiscount (cdiscount.com), a French marketplace.

Its search path carries the query (``/search/10/<words>.html``) and page N as ``?page=N``;
no real Cdiscount page was available to test the layout, so page N+1 is built, not read.
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import quote_plus

from spiders.marketplace import MarketplaceSpider
from spiders.parsing import cdiscount


class CdiscountSpider(MarketplaceSpider):
    name = "cdiscount"
    site = "cdiscount"
    parser = cdiscount
    build_next_pages = True
    domain_locales: ClassVar[dict[str, str]] = {"cdiscount.com": "fr"}

    @classmethod
    def search_url(cls, domain: str, query: str, page: int = 1) -> str:
        suffix = f"?page={page}" if page > 1 else ""
        return f"https://www.{domain}/search/10/{quote_plus(query.lower())}.html{suffix}"
