"""AliExpress pages (rendered in Chromium): ids from /item/<id>.html URLs.

A page fetched without JavaScript is a shell (empty ``window.runParams``) that names no
listing: it parses to no cards, and as an item page to `MalformedPage`.
"""

from __future__ import annotations

import re
from datetime import datetime

from scrapy.http import TextResponse

from crawler.items import ListingItem
from spiders.errors import MalformedPage
from spiders.parsing import SearchPage
from spiders.parsing.listing import id_matcher, listing_from_page, search_from_page

SITE = "aliexpress"
external_id = id_matcher(r"/item/(?:[^/]+/)?(\d{6,20})\.html$")
# The extractor reads cards from the search state; rendered listing pages (aliexpress.ru's
# "popular" pages) carry them only as links.
CARD_LINKS_CSS = "a[href*='/item/']::attr(href)"
# What the spider waits for before the rendered page is handed over.
READY_SELECTOR = "a[href*='/item/'], h1[data-pl='product-title'], h1"
_EMPTY_STATE = re.compile(r"window\.runParams\s*=\s*\{\s*\}")


def is_js_shell(response: TextResponse) -> bool:
    """True for the page served without JavaScript: its state is empty, and its OpenGraph tags
    name some product that is not what the URL asked for."""
    return bool(_EMPTY_STATE.search(response.text))


def parse_search_page(response: TextResponse) -> SearchPage:
    if is_js_shell(response):
        return SearchPage()
    return search_from_page(response, SITE, external_id, fallback_links_css=CARD_LINKS_CSS)


def parse_item_page(response: TextResponse, marketplace: str,
                    fetched_at: datetime | None = None) -> ListingItem:
    if is_js_shell(response):
        raise MalformedPage(response.url, "JavaScript shell (empty window.runParams), not rendered")
    return listing_from_page(response, SITE, marketplace, external_id, fetched_at)
