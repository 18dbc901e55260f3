"""Parsing of the sandbox "bazaar" pages (server-rendered HTML, CSS selectors)."""

from __future__ import annotations

from datetime import datetime

from scrapy.http import TextResponse

from crawler.items import ListingItem
from crawler.normalise import canonical_url, clean_text, parse_price
from spiders.parsing import SearchPage, absolute_urls, lines_of, now_utc, require, text_of


def parse_search_page(response: TextResponse) -> SearchPage:
    hrefs = response.css("ul.results li.result-card a.result-link::attr(href)").getall()
    next_href = response.css("nav.pagination a[rel=next]::attr(href)").get()
    return SearchPage(
        item_urls=absolute_urls(response, hrefs),
        next_page_url=canonical_url(response.urljoin(next_href)) if next_href else None,
    )


def parse_item_page(response: TextResponse, marketplace: str,
                    fetched_at: datetime | None = None) -> ListingItem:
    title = require(text_of(response.css("h1.item-title")), response, "title (h1.item-title)")
    external_id = require(
        response.css("main.item-page::attr(data-item-id)").get()
        or clean_text(response.css("p.item-number span::text").get()),
        response, "item number")
    price, currency = parse_price(text_of(response.css(".item-price")))
    seller = response.css("a.seller-link")
    seller_href = seller.attrib.get("href") if seller else None
    attributes = {
        text_of(row.css("th")): text_of(row.css("td"))
        for row in response.css("table.item-specifics tr")
        if text_of(row.css("th"))
    }
    description = "\n".join(text_of(p) for p in response.css("div.item-description p"))
    return ListingItem(
        marketplace=marketplace,
        external_id=external_id,
        url=canonical_url(response.url),
        title=title,
        fetched_at=now_utc(fetched_at),
        description=lines_of(description),
        price=price,
        currency=currency,
        seller_name=text_of(seller) or None,
        seller_url=canonical_url(response.urljoin(seller_href)) if seller_href else None,
        image_urls=absolute_urls(response, response.css("div.gallery img::attr(src)").getall()),
        ship_from=text_of(response.css("p.ships-from .ship-country")) or None,
        attributes=attributes,
    )
