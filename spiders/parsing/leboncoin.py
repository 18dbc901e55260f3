"""Leboncoin pages: ids from /ad/<category>/<id> and the older /<category>/<id>.htm URLs.

Search pages carry their ads in ``__NEXT_DATA__``, which the extractor reads.
"""

from __future__ import annotations

from datetime import datetime

from scrapy.http import TextResponse

from crawler.items import ListingItem
from spiders.parsing import SearchPage
from spiders.parsing.listing import id_matcher, listing_from_page, search_from_page

SITE = "leboncoin"
external_id = id_matcher(r"^/(?:ad/)?[a-z_]+/(\d{6,12})(?:\.htm)?/?$")
NEXT_PAGE_CSS = "a[title='Page suivante']::attr(href), a[aria-label='Page suivante']::attr(href)"


def parse_search_page(response: TextResponse) -> SearchPage:
    return search_from_page(response, SITE, external_id, NEXT_PAGE_CSS)


def parse_item_page(response: TextResponse, marketplace: str,
                    fetched_at: datetime | None = None) -> ListingItem:
    return listing_from_page(response, SITE, marketplace, external_id, fetched_at)
