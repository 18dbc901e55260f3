"""Layer 2: OpenGraph, product meta tags and stray itemprop elements outside any itemscope."""

from __future__ import annotations

from typing import Any

from parsel import Selector

from crawler.normalise import normalise_currency, parse_price
from extraction.values import absolute, availability_of, decimal_of, text

_PRICE_LABELS = {"price", "prix", "preis", "precio", "prezzo", "preço", "prijs", "cena", "preț"}


def _meta(sel: Selector, *names: str) -> str | None:
    for name in names:
        for attr in ("property", "name", "itemprop"):
            value = sel.xpath(f"//meta[@{attr}=$n]/@content", n=name).get()
            if value and value.strip():
                return value.strip()
    return None


def _twitter_price(sel: Selector) -> str | None:
    """Shopify and others put the price in a Twitter card ``label1``/``data1`` pair."""
    for index in range(1, 5):
        label = _meta(sel, f"twitter:label{index}")
        if label and label.strip().lower() in _PRICE_LABELS:
            return _meta(sel, f"twitter:data{index}")
    return None


def _itemprop(sel: Selector, prop: str) -> str | None:
    """An ``itemprop`` value (content/href/text) that microdata parsing missed."""
    for node in sel.css(f"[itemprop={prop}]"):
        value = (node.attrib.get("content") or node.attrib.get("href")
                 or text(" ".join(node.css("::text").getall())))
        if value and value.strip():
            return value.strip()
    return None


def extract_meta(sel: Selector, url: str | None) -> dict[str, Any]:
    """Fields from meta tags; values are the tags' own, cleaned."""
    amount_raw = _meta(sel, "product:price:amount", "og:price:amount", "product:sale_price:amount")
    currency_raw = _meta(sel, "product:price:currency", "og:price:currency",
                         "product:sale_price:currency")
    price = decimal_of(amount_raw)
    currency = normalise_currency(currency_raw) if currency_raw else None
    if price is None:
        shown = _twitter_price(sel) or _itemprop(sel, "price")
        if shown:
            price, guessed = parse_price(shown)
            currency = currency or guessed
    currency = currency or (normalise_currency(_itemprop(sel, "priceCurrency"))
                            if _itemprop(sel, "priceCurrency") else None)
    sku = _meta(sel, "product:retailer_item_id", "product:sku") or _itemprop(sel, "sku")
    return {
        "title": text(_meta(sel, "og:title", "twitter:title")),
        "price": price,
        "currency": currency,
        "sku": sku if sku and " " not in sku else None,
        "availability": availability_of(_meta(sel, "product:availability", "og:availability")
                                        or _itemprop(sel, "availability")),
        "brand": text(_meta(sel, "product:brand", "og:brand")),
        "images": absolute(sel.xpath("//meta[@property='og:image' or @name='og:image']/@content")
                           .getall(), url),
        "description": text(_meta(sel, "og:description", "description")),
        # Not fields: what the page says it is, and the site's name (for cleaning titles).
        "og_type": (_meta(sel, "og:type") or "").lower() or None,
        "site_name": text(_meta(sel, "og:site_name", "application-name")),
    }
