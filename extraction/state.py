"""Layer 3: the page's embedded application state (``__NEXT_DATA__``, ``window.runParams``...).

Client-rendered marketplaces ship the listing as a JSON blob for their JavaScript; it is
often the only complete copy of the data in a plain HTTP response.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from parsel import Selector

from crawler.normalise import canonical_url, normalise_currency, parse_price
from extraction.model import IN_STOCK, OUT_OF_STOCK, ResultCard
from extraction.values import absolute, decimal_of, text

# `window.X = {`, `var X = {`, and AliExpress's `runParams = { data: {` (a JS object, not JSON,
# around a JSON value).
_ASSIGNMENT = re.compile(r"(?:window\.|var\s+|let\s+|const\s+)([\w$.]+)\s*=\s*(?:\{\s*data\s*:\s*)?(?=[{\[])")
_TITLE_KEYS = ("subject", "title", "name", "productName")
_URL_KEYS = ("url", "link", "href", "canonicalUrl", "permalink", "itemUrl")
_decoder = json.JSONDecoder()


def json_blobs(sel: Selector, html: str) -> Iterator[tuple[str, Any]]:
    """(name, value) of each JSON script and JSON literal assigned to a global in a script."""
    for node in sel.css('script[type="application/json"], script#__NEXT_DATA__'):
        try:
            yield node.attrib.get("id", "json"), json.loads(node.css("::text").get() or "")
        except json.JSONDecodeError:
            continue
    for script in sel.css("script:not([type]), script[type='text/javascript']"):
        body = script.css("::text").get() or ""
        if len(body) < 40:
            continue
        for match in _ASSIGNMENT.finditer(body):
            try:
                value, _ = _decoder.raw_decode(body, match.end())
            except json.JSONDecodeError:
                continue
            yield match.group(1), value


def _walk(data: Any, depth: int = 0) -> Iterator[Any]:
    if depth > 12:
        return
    yield data
    children = data.values() if isinstance(data, dict) else data if isinstance(data, list) else []
    for child in children:
        if isinstance(child, (dict, list)):
            yield from _walk(child, depth + 1)


def _first(node: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((node[k] for k in keys if node.get(k) not in (None, "", [])), None)


def _card(node: dict[str, Any], base: str | None) -> ResultCard | None:
    title, link = text(_first(node, _TITLE_KEYS)), _first(node, _URL_KEYS)
    urls = absolute(link, base) if isinstance(link, str) else []
    if not title or not urls or not urls[0].startswith("http"):
        return None
    price = node.get("price")
    if isinstance(price, dict):
        price = price.get("amount") or price.get("value")
    return ResultCard(url=canonical_url(urls[0]), title=title, price=decimal_of(price),
                      currency=normalise_currency(text(node.get("currency"))) if node.get("currency")
                      else None)


def state_cards(blobs: list[tuple[str, Any]], base: str | None) -> list[ResultCard]:
    """The longest list of title+URL records in the state: the search results."""
    best: list[ResultCard] = []
    for _, blob in blobs:
        for node in _walk(blob):
            if not isinstance(node, list) or len(node) < 2 or len(node) <= len(best):
                continue
            records = [n for n in node if isinstance(n, dict)]
            cards = [c for c in (_card(n, base) for n in records) if c]
            # Items carry a price; navigation menus and filter links (title + URL too) do not.
            priced = sum(1 for n in records if n.get("price") not in (None, "", []))
            if (len(cards) >= max(2, len(node) // 2) and priced >= len(records) // 2
                    and len(cards) > len(best)):
                best = cards
    return best


def _aliexpress(data: dict[str, Any]) -> dict[str, Any]:
    price_module = data.get("priceModule") or {}
    shown = price_module.get("formatedActivityPrice") or price_module.get("formatedPrice")
    amount = price_module.get("minActivityAmount") or price_module.get("minAmount") or {}
    price, currency = parse_price(shown) if shown else (None, None)
    if isinstance(amount, dict) and amount.get("value") is not None:
        price = decimal_of(amount.get("value"))
        currency = amount.get("currency") or currency
    quantity = (data.get("quantityModule") or data.get("actionModule") or {}).get("totalAvailQuantity")
    props = (data.get("specsModule") or {}).get("props") or []
    return {
        "title": text((data.get("titleModule") or {}).get("subject")),
        "price": price,
        "currency": normalise_currency(currency) if currency else None,
        "sku": text((data.get("commonModule") or {}).get("productId")
                    or (data.get("actionModule") or {}).get("productId")),
        "availability": None if quantity is None else IN_STOCK if quantity else OUT_OF_STOCK,
        "seller": text((data.get("storeModule") or {}).get("storeName")),
        "images": absolute((data.get("imageModule") or {}).get("imagePathList"), None),
        "attributes": {text(p.get("attrName")): text(p.get("attrValue")) for p in props
                       if isinstance(p, dict) and text(p.get("attrName")) and text(p.get("attrValue"))},
    }


def _classified_ad(ad: dict[str, Any], base: str | None) -> dict[str, Any]:
    """Leboncoin-style ``pageProps.ad``: subject, price list, list_id, owner."""
    attributes = {text(a.get("key_label")): text(a.get("value_label"))
                  for a in ad.get("attributes") or [] if isinstance(a, dict)
                  and text(a.get("key_label")) and text(a.get("value_label"))}
    return {
        "title": text(ad.get("subject")),
        "price": decimal_of(ad.get("price")),
        "sku": text(ad.get("list_id")),
        "seller": text(ad.get("owner")),
        "description": text(ad.get("body")),
        "images": absolute((ad.get("images") or {}).get("urls"), base),
        "attributes": attributes,
    }


def extract_state(blobs: list[tuple[str, Any]], base: str | None) -> dict[str, Any]:
    """Product fields from the state shapes we know; empty when none is present."""
    for name, blob in blobs:
        if not isinstance(blob, dict):
            continue
        if name.endswith("runParams") and isinstance(blob.get("titleModule"), dict):
            return _aliexpress(blob)
        page_props = (blob.get("props") or {}).get("pageProps") if isinstance(blob.get("props"), dict) \
            else None
        if isinstance(page_props, dict) and isinstance(page_props.get("ad"), dict):
            return _classified_ad(page_props["ad"], base)
    return {}


def sku_for_title(blobs: list[tuple[str, Any]], title: str) -> str | None:
    """The ``sku`` of a state record whose name is the page's product title.

    Shop platforms (Shopify's analytics ``meta``, product JSON) carry the sku beside the
    product name; requiring the name to match keeps related products' records out.
    """
    wanted = title.casefold()
    for _, blob in blobs:
        for node in _walk(blob):
            if isinstance(node, dict) and node.get("sku") not in (None, ""):
                name = text(_first(node, _TITLE_KEYS))
                sku = text(node.get("sku"))
                if name and sku and name.casefold() == wanted and " " not in sku:
                    return sku
    return None
