"""Cdiscount pages: the product sku from /<path>/f-<category>-<sku>.html URLs.

No real Cdiscount page is saved (see realpages/SOURCES.md): the selectors here are the
extractor's, untested on the live layout.
"""

from __future__ import annotations

from datetime import datetime

from scrapy.http import TextResponse

from crawler.items import ListingItem
from spiders.parsing import SearchPage
from spiders.parsing.listing import id_matcher, listing_from_page, search_from_page

SITE = "cdiscount"
external_id = id_matcher(r"/f-\d+-([a-z0-9]+)\.html$")
CARD_LINKS_CSS = "a[href*='/f-']::attr(href)"
NEXT_PAGE_CSS = "a.jsNxtPage::attr(href), a[rel=next]::attr(href)"


def parse_search_page(response: TextResponse) -> SearchPage:
    return search_from_page(response, SITE, external_id, NEXT_PAGE_CSS, CARD_LINKS_CSS)


def parse_item_page(response: TextResponse, marketplace: str,
                    fetched_at: datetime | None = None) -> ListingItem:
    return listing_from_page(response, SITE, marketplace, external_id, fetched_at)
