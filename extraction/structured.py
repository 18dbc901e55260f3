"""Layer 1: schema.org Product / Offer / ItemList from JSON-LD and microdata (via extruct)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import extruct

from crawler.normalise import canonical_url, normalise_currency
from extraction.model import IN_STOCK, ResultCard
from extraction.values import absolute, availability_of, decimal_of, text

_SPACE = re.compile(r"\s")
_PRODUCT_TYPES = {"product", "individualproduct", "productmodel", "productgroup", "vehicle", "car"}
# Properties under which a Product is *another* product, not the page's main one.
_SIDE_KEYS = {"isRelatedTo", "isSimilarTo", "isAccessoryOrSparePartFor", "isConsumableFor",
              "itemListElement", "review", "hasVariant"}


def _types(node: dict[str, Any]) -> set[str]:
    raw = node.get("@type") or node.get("type") or []
    items = raw if isinstance(raw, list) else [raw]
    return {str(t).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1].lower() for t in items}


def _walk(data: Any, top: bool = True) -> Iterator[tuple[dict[str, Any], bool]]:
    """Every dict in extruct's output with whether it is a main (not side) node; @graph flattens."""
    if isinstance(data, list):
        for item in data:
            yield from _walk(item, top)
    elif isinstance(data, dict):
        yield data, top
        for key, value in data.items():
            if key == "@graph":
                yield from _walk(value, top)
            elif isinstance(value, (dict, list)):
                yield from _walk(value, top and key not in _SIDE_KEYS)


def structured_data(html: str, url: str | None) -> dict[str, list[Any]]:
    """extruct's JSON-LD and microdata in its uniform form; broken blocks are skipped."""
    return extruct.extract(html, base_url=url, syntaxes=["json-ld", "microdata"], uniform=True,
                           errors="ignore")


def _offers(product: dict[str, Any]) -> list[dict[str, Any]]:
    """The product's offers, AggregateOffer children flattened after their parent."""
    raw = product.get("offers") or []
    found: list[dict[str, Any]] = []
    for offer in raw if isinstance(raw, list) else [raw]:
        if not isinstance(offer, dict):
            continue
        found.append(offer)
        children = offer.get("offers")
        if isinstance(children, (list, dict)):
            found.extend(o for o in (children if isinstance(children, list) else [children])
                         if isinstance(o, dict))
    return found


def _offer_price(offer: dict[str, Any]) -> tuple[Decimal | None, str | None]:
    currency = text(offer.get("priceCurrency"))
    for key in ("price", "lowPrice"):
        amount = decimal_of(offer.get(key))
        if amount is not None:
            return amount, currency
    specs = offer.get("priceSpecification") or []
    for spec in specs if isinstance(specs, list) else [specs]:
        if isinstance(spec, dict) and decimal_of(spec.get("price")) is not None:
            return decimal_of(spec.get("price")), text(spec.get("priceCurrency")) or currency
    return None, currency


def _product_fields(product: dict[str, Any], base: str | None) -> dict[str, Any]:
    offers = _offers(product)
    price: Decimal | None = None
    currency: str | None = None
    for offer in offers:
        price, currency = _offer_price(offer)
        if price is not None:
            break
    availabilities = [a for a in (availability_of(o.get("availability")) for o in offers) if a]
    mpn = text(product.get("mpn"))
    # Zyte's guideline: an MPN is not a sku (not unique on the site), and an id with spaces
    # in it is a label ("Ref. 123"), not an id; shops often copy the MPN into "sku".
    candidates = [text(product.get(k)) for k in ("sku", "productID", "productId")]
    candidates += [text(o.get("sku")) for o in offers]
    ids = [c for c in candidates if c and not _SPACE.search(c)]
    sku = next((c for c in ids if c != mpn), ids[0] if ids else None)
    seller = next((text(o.get("seller")) for o in offers if text(o.get("seller"))), None)
    properties = product.get("additionalProperty") or []
    attributes = {}
    for prop in properties if isinstance(properties, list) else [properties]:
        if isinstance(prop, dict) and text(prop.get("name")) and text(prop.get("value")):
            attributes[text(prop.get("name"))] = text(prop.get("value"))
    return {
        "title": text(product.get("name")),
        "price": price,
        "currency": normalise_currency(currency) if currency else None,
        "sku": sku,
        # Several offers (sizes, sellers): the product can be bought if any of them can.
        "availability": (IN_STOCK if IN_STOCK in availabilities
                         else availabilities[0] if availabilities else None),
        "brand": text(product.get("brand")) or text(product.get("manufacturer")),
        "images": absolute(product.get("image"), base),
        "seller": seller,
        "description": text(product.get("description")),
        "attributes": attributes,
    }


def _top_products(data: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Main (not related, not variant) Product nodes in page order, JSON-LD first."""
    return [node for syntax in ("json-ld", "microdata") for node, top in _walk(data.get(syntax, []))
            if top and _types(node) & _PRODUCT_TYPES]


def _item_list_cards(data: dict[str, list[Any]], base: str | None) -> list[ResultCard]:
    cards: list[ResultCard] = []
    for node, _ in _walk(data.get("json-ld", []) + data.get("microdata", [])):
        if "itemlist" not in _types(node):
            continue
        elements = node.get("itemListElement") or []
        for element in elements if isinstance(elements, list) else [elements]:
            if not isinstance(element, dict):
                continue
            inner = element.get("item")
            item: dict[str, Any] = inner if isinstance(inner, dict) else element
            links = absolute(item.get("url") or element.get("url"), base)
            if not links:
                continue
            fields = _product_fields(item, base)
            cards.append(ResultCard(url=canonical_url(links[0]), title=fields["title"],
                                    price=fields["price"], currency=fields["currency"]))
    return cards


def _tile_cards(products: list[dict[str, Any]], page: str | None) -> list[ResultCard]:
    """Cards for top-level Products that are tiles of a listing, else none.

    Several distinct top-level Products, each linking elsewhere than this page, are a
    category or search page's tiles. A product page's own Product has no URL or this page's,
    so its "related products" repeated at top level never qualify.
    """
    here = canonical_url(page) if page else None
    cards: dict[str, ResultCard] = {}
    for product in products:
        links = absolute(product.get("url"), page)
        if not links or not links[0].startswith("http"):
            return []
        link = canonical_url(links[0])
        if link == here:
            return []
        fields = _product_fields(product, page)
        cards.setdefault(link, ResultCard(url=link, title=fields["title"], price=fields["price"],
                                          currency=fields["currency"]))
    titles = {card.title for card in cards.values()}
    return list(cards.values()) if len(cards) >= 2 and len(titles) >= 2 else []


def extract_structured(html: str, url: str | None) -> tuple[dict[str, Any], list[ResultCard]]:
    """(main product fields, result cards) from the page's schema.org markup.

    A page whose markup is a list of products (tiles, an ItemList) and no product of its own
    gives no product fields, only cards.
    """
    data = structured_data(html, url)
    products = _top_products(data)
    tiles = _tile_cards(products, url)
    if tiles:
        return {}, tiles
    # Nodes carrying offers before bare ones (a Product repeated without its price).
    products.sort(key=lambda p: not p.get("offers"))
    merged: dict[str, Any] = {}
    # Only nodes describing the same product: shops repeat "related products" as top-level items.
    name = text(products[0].get("name")) if products else None
    for product in products:
        if name and text(product.get("name")) not in (None, name):
            continue
        for key, value in _product_fields(product, url).items():
            if value not in (None, "", [], {}) and merged.get(key) in (None, "", [], {}):
                merged[key] = value
    cards = _item_list_cards(data, url)
    if len(cards) < 2:  # a lone ListItem is a breadcrumb or a widget, not a result list
        cards = []
    return merged, cards
