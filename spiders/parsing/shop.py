"""Parsing of the sandbox "shop" pages: schema.org Product JSON-LD first, HTML second."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from scrapy.http import TextResponse

from crawler.items import ListingItem
from crawler.normalise import canonical_url, clean_text, normalise_currency, parse_price
from spiders.parsing import SearchPage, absolute_urls, lines_of, now_utc, require, text_of


def parse_search_page(response: TextResponse) -> SearchPage:
    """Search and category pages share one grid layout."""
    hrefs = response.css("ul.product-grid li.product-tile a.product-link::attr(href)").getall()
    next_href = (response.css("link[rel=next]::attr(href)").get()
                 or response.css("a[rel=next]::attr(href)").get())
    return SearchPage(
        item_urls=absolute_urls(response, hrefs),
        next_page_url=canonical_url(response.urljoin(next_href)) if next_href else None,
    )


def _json_ld_nodes(response: TextResponse) -> Iterator[dict[str, Any]]:
    for raw in response.css('script[type="application/ld+json"]::text').getall():
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            continue
        stack = data if isinstance(data, list) else [data]
        for node in stack:
            if isinstance(node, dict):
                yield node
                yield from (n for n in node.get("@graph", []) if isinstance(n, dict))


def product_json_ld(response: TextResponse) -> dict[str, Any]:
    """The page's schema.org Product node, or an empty dict."""
    for node in _json_ld_nodes(response):
        kind = node.get("@type")
        if kind == "Product" or (isinstance(kind, list) and "Product" in kind):
            return node
    return {}


def _offer(product: dict[str, Any]) -> dict[str, Any]:
    offers = product.get("offers") or {}
    if isinstance(offers, list):
        offers = offers[0] if offers else {}
    return offers if isinstance(offers, dict) else {}


def _price(offer: dict[str, Any], response: TextResponse) -> tuple[Decimal | None, str | None]:
    try:
        amount = Decimal(str(offer["price"]))
    except (KeyError, InvalidOperation):
        return parse_price(text_of(response.css(".product-price")))
    return amount, normalise_currency(offer.get("priceCurrency"))


def parse_item_page(response: TextResponse, marketplace: str,
                    fetched_at: datetime | None = None) -> ListingItem:
    product = product_json_ld(response)
    offer = _offer(product)
    title = require(clean_text(product.get("name")) or text_of(response.css("h1.product-title")),
                    response, "product name")
    external_id = require(clean_text(str(product.get("sku") or ""))
                          or response.css("main.product::attr(data-sku)").get(),
                          response, "sku")
    price, currency = _price(offer, response)
    images = product.get("image") or response.css(".product-images img::attr(src)").getall()
    if isinstance(images, str):
        images = [images]
    properties = product.get("additionalProperty") or []
    attributes = {clean_text(p.get("name")): clean_text(str(p.get("value", "")))
                  for p in properties if isinstance(p, dict) and p.get("name")}
    if not attributes:
        attributes = {text_of(row.css("th")): text_of(row.css("td"))
                      for row in response.css("table.product-attributes tr")}
    description = product.get("description") or "\n".join(
        text_of(p) for p in response.css(".product-description p"))
    seller = offer.get("seller") or {}
    seller_name = clean_text(seller.get("name")) if isinstance(seller, dict) else ""
    return ListingItem(
        marketplace=marketplace,
        external_id=external_id,
        url=canonical_url(response.url),
        title=title,
        fetched_at=now_utc(fetched_at),
        description=lines_of(description),
        price=price,
        currency=currency,
        seller_name=seller_name or text_of(response.css(".vendor-name")) or None,
        seller_url=None,
        image_urls=absolute_urls(response, [str(url) for url in images]),
        ship_from=text_of(response.css(".dispatch-country")) or None,
        attributes=attributes,
    )
