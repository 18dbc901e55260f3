"""Marketplace pages through the layered extractor: a `ListingItem` or a `SearchPage`.

The real-site parsers all read fields with `extraction.extract_page`; what stays per site is
the listing id read off the item URL, and the next-page link of a results page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime

from scrapy.http import TextResponse

from crawler.items import ListingItem
from crawler.normalise import canonical_url
from extraction import PageExtraction, extract_page
from spiders.errors import MalformedPage
from spiders.parsing import SearchPage, now_utc

IdFromUrl = Callable[[str], "str | None"]


def id_matcher(pattern: str) -> IdFromUrl:
    """An id reader: the first group of ``pattern`` searched in the URL's path."""
    compiled = re.compile(pattern)

    def external_id(url: str) -> str | None:
        path = re.sub(r"^[a-z]+://[^/]+", "", url.strip(), flags=re.IGNORECASE).split("?")[0]
        found = compiled.search(path.split("#")[0])
        return found.group(1) if found else None

    return external_id


def extract(response: TextResponse, site: str) -> PageExtraction:
    """The extractor's reading of the page, with ``site``'s rules (e.g. "ebay")."""
    return extract_page(response.text, response.url, site)


def listing_from_page(response: TextResponse, site: str, marketplace: str,
                      external_id: IdFromUrl, fetched_at: datetime | None = None) -> ListingItem:
    """The listing on an item page of ``site``, stored under ``marketplace`` (e.g.
    "ebay.co.uk"); `MalformedPage` without a title or an id."""
    page = extract(response, site)
    if not page.title:
        raise MalformedPage(response.url, "no title")
    listing_id = external_id(response.url) or page.sku
    if not listing_id:
        raise MalformedPage(response.url, "no listing id in the URL or the page")
    return item_from_page(page, marketplace, listing_id, canonical_url(response.url), page.title, fetched_at)


def item_from_page(page: PageExtraction, marketplace: str, external_id: str, url: str, title: str,
                   fetched_at: datetime | None = None) -> ListingItem:
    """A `ListingItem` from the extractor's reading of a product page."""
    return ListingItem(
        marketplace=marketplace,
        external_id=external_id,
        url=url,
        title=title,
        fetched_at=now_utc(fetched_at),
        description=page.description or "",
        price=page.price,
        currency=page.currency,
        seller_name=page.seller,
        image_urls=list(page.images),
        attributes=dict(page.attributes),
    )


def unique_item_urls(urls: Iterable[str], external_id: IdFromUrl) -> list[str]:
    """Item URLs in page order, one per listing id; links without an id are dropped."""
    seen: set[str] = set()
    unique: list[str] = []
    for url in urls:
        listing_id = external_id(url)
        if listing_id and listing_id not in seen:
            seen.add(listing_id)
            unique.append(url)
    return unique


def search_from_page(response: TextResponse, site: str, external_id: IdFromUrl,
                     next_page_css: str | None = None,
                     fallback_links_css: str | None = None) -> SearchPage:
    """Result-card URLs read by the extractor (or, when it finds none, by ``fallback_links_css``)
    and the next page's URL from ``next_page_css``."""
    urls = [card.url for card in extract(response, site).results]
    if not urls and fallback_links_css:
        urls = [canonical_url(response.urljoin(href)).split("?")[0]
                for href in response.css(fallback_links_css).getall()]
    next_href = response.css(next_page_css).get() if next_page_css else None
    return SearchPage(
        item_urls=unique_item_urls(urls, external_id),
        next_page_url=canonical_url(response.urljoin(next_href)) if next_href else None,
    )
