"""eBay pages (every country domain): listing ids from /itm/ URLs, the 2020s search layout."""

from __future__ import annotations

from datetime import datetime

from scrapy.http import TextResponse

from crawler.items import ListingItem
from spiders.parsing import SearchPage
from spiders.parsing.listing import id_matcher, listing_from_page, search_from_page

SITE = "ebay"
# /itm/226771798286 and the older /itm/<slug>/381228738769
external_id = id_matcher(r"/itm/(?:[^/]+/)?(\d{9,15})(?:/|$)")
NEXT_PAGE_CSS = "a.pagination__next::attr(href)"


def parse_search_page(response: TextResponse) -> SearchPage:
    return search_from_page(response, SITE, external_id, NEXT_PAGE_CSS)


def parse_item_page(response: TextResponse, marketplace: str,
                    fetched_at: datetime | None = None) -> ListingItem:
    return listing_from_page(response, SITE, marketplace, external_id, fetched_at)
