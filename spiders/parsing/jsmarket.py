"""Parsing of the sandbox "jsmarket" pages as rendered by a browser.

The site's HTML is an empty shell until its script has run; the script marks
``<body data-state="ready">`` when the DOM holds the data, so a page without that mark (a
plain fetch, or an API error) is malformed.
"""

from __future__ import annotations

from datetime import datetime

from scrapy.http import TextResponse

from crawler.items import ListingItem
from crawler.normalise import canonical_url, parse_price
from spiders.errors import MalformedPage
from spiders.parsing import SearchPage, absolute_urls, lines_of, now_utc, require, text_of

READY_SELECTOR = "body[data-state]"


def _require_rendered(response: TextResponse) -> None:
    state = response.css("body::attr(data-state)").get()
    if state != "ready":
        why = "page not rendered (no JavaScript)" if state is None else f"page state {state!r}"
        raise MalformedPage(response.url, why)


def parse_search_page(response: TextResponse) -> SearchPage:
    _require_rendered(response)
    hrefs = response.css("#results .card a.card-link::attr(href)").getall()
    next_href = response.css("a#next-page::attr(href)").get()
    return SearchPage(
        item_urls=absolute_urls(response, hrefs),
        next_page_url=canonical_url(response.urljoin(next_href)) if next_href else None,
    )


def parse_item_page(response: TextResponse, marketplace: str,
                    fetched_at: datetime | None = None) -> ListingItem:
    _require_rendered(response)
    listing = response.css("article#listing")
    title = require(text_of(listing.css("h1.listing-title")), response, "title (h1)")
    external_id = require(listing.attrib.get("data-id") if listing else None, response,
                          "listing id")
    price, currency = parse_price(text_of(listing.css(".listing-price")))
    store = listing.css("a.store-link")
    store_href = store.attrib.get("href") if store else None
    names = [text_of(dt) for dt in listing.css("dl.specs dt")]
    values = [text_of(dd) for dd in listing.css("dl.specs dd")]
    description = "".join(listing.css(".listing-description ::text").getall())
    return ListingItem(
        marketplace=marketplace,
        external_id=external_id,
        url=canonical_url(response.url),
        title=title,
        fetched_at=now_utc(fetched_at),
        description=lines_of(description),
        price=price,
        currency=currency,
        seller_name=text_of(store) or None,
        seller_url=canonical_url(response.urljoin(store_href)) if store_href else None,
        image_urls=absolute_urls(response, listing.css(".gallery img::attr(src)").getall()),
        ship_from=text_of(listing.css(".ship-from .country")) or None,
        attributes=dict(zip(names, values, strict=False)),
    )
