"""Turning raw values (schema.org properties, meta contents, page text) into field values."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urljoin

from crawler.normalise import clean_text, parse_price
from extraction.model import IN_STOCK, OUT_OF_STOCK

_PLAIN_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")

# schema.org ItemAvailability values (and the lower-case/underscore forms shops write),
# reduced to the two the benchmark knows: anything that can still be bought is InStock.
_SCHEMA_AVAILABILITY = {
    "instock": IN_STOCK, "in_stock": IN_STOCK, "limitedavailability": IN_STOCK,
    "onlineonly": IN_STOCK, "instoreonly": IN_STOCK, "preorder": IN_STOCK, "presale": IN_STOCK,
    "backorder": IN_STOCK, "available": IN_STOCK, "in stock": IN_STOCK,
    "outofstock": OUT_OF_STOCK, "out_of_stock": OUT_OF_STOCK, "out of stock": OUT_OF_STOCK,
    "soldout": OUT_OF_STOCK, "sold_out": OUT_OF_STOCK, "discontinued": OUT_OF_STOCK,
    "oos": OUT_OF_STOCK, "unavailable": OUT_OF_STOCK,
}

# Visible phrases, many languages. Out-of-stock phrases are checked first because several
# contain an in-stock phrase ("nicht auf Lager", "no disponible").
OUT_OF_STOCK_WORDS = (
    "out of stock", "sold out", "currently unavailable", "no longer available", "not available",
    "rupture de stock", "épuisé", "epuise", "indisponible", "plus disponible", "non disponible",
    "nicht verfügbar", "nicht auf lager", "ausverkauft", "derzeit nicht", "nicht lieferbar",
    "agotado", "sin stock", "no disponible", "sin existencias",
    "esaurito", "non disponibile", "non più disponibile",
    "niet op voorraad", "uitverkocht", "niet beschikbaar",
    "esgotado", "indisponível", "sem estoque",
    "brak w magazynie", "niedostępny", "wyprzedany",
    "stoc epuizat", "indisponibil", "нет в наличии", "распродано", "tükendi", "stokta yok",
)
IN_STOCK_WORDS = (
    "in stock", "available now", "add to cart", "add to basket", "buy it now", "buy now",
    "en stock", "disponible", "ajouter au panier", "auf lager", "lieferbar", "verfügbar",
    "in den warenkorb", "sofort lieferbar", "en existencia", "añadir a la cesta", "disponibile",
    "aggiungi al carrello", "op voorraad", "in winkelwagen", "em estoque", "disponível",
    "w magazynie", "dostępny", "în stoc", "in stoc", "в наличии", "stokta",
)


def text(raw: Any) -> str | None:
    """Clean text of a scalar, the first of a list, or a dict's ``name``; None when empty."""
    if isinstance(raw, list):
        raw = next((v for v in raw if v not in (None, "")), None)
    if isinstance(raw, dict):
        raw = raw.get("name") or raw.get("@value") or raw.get("value")
    if raw is None or isinstance(raw, (dict, list)):
        return None
    cleaned = clean_text(str(raw))
    return cleaned or None


def decimal_of(raw: Any) -> Decimal | None:
    """A price amount from a number or a displayed price ("1,299.00", "19,99 €")."""
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float, Decimal)):
        try:
            return Decimal(str(raw))
        except InvalidOperation:
            return None
    value = clean_text(str(raw))
    if _PLAIN_NUMBER.match(value):
        return Decimal(value)
    amount, _ = parse_price(value)
    return amount


def availability_of(raw: Any) -> str | None:
    """InStock / OutOfStock from a schema.org URL, a meta value or a short label."""
    value = text(raw)
    if not value:
        return None
    token = value.rstrip("/").rsplit("/", 1)[-1].strip().lower()
    if token in _SCHEMA_AVAILABILITY:
        return _SCHEMA_AVAILABILITY[token]
    return availability_from_words(value)


def availability_from_words(raw: str) -> str | None:
    """InStock / OutOfStock from a visible phrase in any of the languages we crawl."""
    lowered = raw.lower()
    if any(word in lowered for word in OUT_OF_STOCK_WORDS):
        return OUT_OF_STOCK
    if any(word in lowered for word in IN_STOCK_WORDS):
        return IN_STOCK
    return None


def absolute(urls: Any, base: str | None) -> list[str]:
    """Absolute, de-duplicated URLs from a string, list, or schema.org ImageObject(s)."""
    if urls is None:
        return []
    items = urls if isinstance(urls, list) else [urls]
    out: list[str] = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("url") or item.get("contentUrl") or item.get("@id")
        if not isinstance(item, str) or not item.strip() or item.strip().startswith("data:"):
            continue
        url = item.strip()
        if url.startswith("//"):
            url = "https:" + url
        elif base:
            url = urljoin(base, url)
        if url not in out:
            out.append(url)
    return out
