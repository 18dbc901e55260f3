"""Layer 5: generic heuristics for pages no earlier layer understood.

Title from the ``<h1>``, the price in the first price-looking element after it, currency from
the price's symbol or the page's locale and TLD, availability from stock phrases in many
languages, an sku from a labelled value or the URL's trailing id, and spec tables.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector

from crawler.normalise import clean_text, parse_price
from extraction.values import availability_from_words

# Country-code TLDs (and region subtags of <html lang>) to their currency, for prices shown
# without a symbol or with an ambiguous one.
_REGION_CURRENCY = {
    "uk": "GBP", "gb": "GBP", "ie": "EUR", "fr": "EUR", "de": "EUR", "it": "EUR", "es": "EUR",
    "nl": "EUR", "be": "EUR", "at": "EUR", "pt": "EUR", "fi": "EUR", "gr": "EUR", "sk": "EUR",
    "ro": "RON", "pl": "PLN", "cz": "CZK", "hu": "HUF", "se": "SEK", "dk": "DKK", "no": "NOK",
    "ch": "CHF", "in": "INR", "pk": "PKR", "kz": "KZT", "ru": "RUB", "ua": "UAH", "tr": "TRY",
    "ca": "CAD", "au": "AUD", "nz": "NZD", "br": "BRL", "mx": "MXN", "ar": "ARS", "pe": "PEN",
    "cl": "CLP", "co": "COP", "jp": "JPY", "kr": "KRW", "cn": "CNY", "us": "USD",
}
_NOT_CURRENT = re.compile(r"old|was|regular|strike|crossed|before|list|original|compare|sav|"
                          r"discount|per-?unit|unit-?price|shipping|delivery|instal|rrp|uvp|range|"
                          r"filter|slider|rating", re.IGNORECASE)
_PRICE_NODES = ("//*[self::span or self::div or self::p or self::strong or self::b or self::ins or self::bdi"
                " or self::meta or self::dd or self::td][contains(translate(@class,'PRICE','price'),"
                "'price') or contains(translate(@id,'PRICE','price'),'price')]")
_SKU_LABEL = re.compile(
    r"(?:\bSKU|\bItem (?:number|no\.?)|\bArt(?:ikel)?\.?[- ]?(?:Nr|nummer)\.?|\bRéférence|\bRéf\.|"
    r"\bProduct code|\bCódigo|\bCodice(?: articolo)?|\bNuméro d'article|Артикул|Код товара)"
    r"\s*[:#№]?\s*([A-Z0-9][A-Z0-9\-_/.]{2,29})", re.IGNORECASE)
_URL_ID = re.compile(r"(?:^|[/\-_.p])(\d{5,})(?:\.html?|\.aspx|\.php)?/?$")
_TITLE_SEPARATORS = re.compile(r"\s+[|–—]\s+|\s+-\s+(?=[^-]*$)")


def locale_currency(sel: Selector, url: str | None) -> str | None:
    """Currency implied by the URL's country TLD, else by ``<html lang="xx-RR">``."""
    host = urlsplit(url).hostname or "" if url else ""
    tld = host.rsplit(".", 1)[-1] if "." in host else ""
    if tld in _REGION_CURRENCY:
        return _REGION_CURRENCY[tld]
    lang = (sel.xpath("/html/@lang").get() or "").replace("_", "-").lower()
    region = lang.split("-")[1] if "-" in lang else ""
    return _REGION_CURRENCY.get(region)


def _title(sel: Selector) -> str | None:
    for h1 in sel.xpath("//h1"):
        value = clean_text(" ".join(h1.xpath(".//text()").getall()))
        if len(value) >= 3:
            return value
    page_title = clean_text(sel.xpath("//title/text()").get())
    return clean_text(_TITLE_SEPARATORS.split(page_title)[0]) or None if page_title else None


def _price_text(node: Selector) -> str | None:
    if node.root.tag == "meta":
        return node.attrib.get("content")
    if node.xpath("ancestor-or-self::*[self::del or self::s or self::strike]"):
        return None
    # A crossed-out amount inside the price block is the old price beside the current one.
    value = clean_text(" ".join(node.xpath(".//text()[not(ancestor::del or ancestor::s or "
                                           "ancestor::strike)]").getall()))
    return value if value and len(value) <= 40 and re.search(r"\d", value) else None


def _price(sel: Selector) -> tuple[Any, str | None]:
    """First price-classed element after the first ``<h1>`` (else anywhere) that parses."""
    for query in (f"(//h1)[1]/following::{_PRICE_NODES[2:]}", _PRICE_NODES):
        for node in sel.xpath(query)[:60]:
            classes = f"{node.attrib.get('class', '')} {node.attrib.get('id', '')}"
            if _NOT_CURRENT.search(classes):
                continue
            amount, currency = parse_price(_price_text(node))
            if amount is not None and amount > 0:
                return amount, currency
    return None, None


def _availability(sel: Selector) -> str | None:
    query = ("//*[contains(translate(@class,'STOCKAVLIDP','stockavlidp'),'stock') or "
             "contains(translate(@class,'STOCKAVLIDP','stockavlidp'),'availab') or "
             "contains(translate(@id,'STOCKAVLIDP','stockavlidp'),'availab') or "
             "contains(translate(@class,'STOCKAVLIDP','stockavlidp'),'dispo')]")
    for node in sel.xpath(query)[:30]:
        value = clean_text(" ".join(node.xpath(".//text()[not(ancestor::script)]").getall()))
        if value and len(value) <= 80:
            found = availability_from_words(value)
            if found:
                return found
    return None


def _sku(sel: Selector, url: str | None) -> str | None:
    body = " ".join(sel.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]").getall())
    match = _SKU_LABEL.search(clean_text(body))
    if match and re.search(r"\d", match.group(1)):
        return match.group(1).rstrip(".")
    # The trailing numeric id of an item URL identifies the product on that site.
    path = urlsplit(url).path if url else ""
    found = _URL_ID.search(path)
    return found.group(1) if found else None


def _attributes(sel: Selector) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for row in sel.xpath("//table//tr[count(th|td)=2]")[:80]:
        cells = [clean_text(" ".join(c.xpath(".//text()[not(ancestor::script)]").getall()))
                 for c in row.xpath("th|td")]
        if all(cells) and len(cells[0]) <= 60 and len(cells[1]) <= 200:
            attributes.setdefault(cells[0].rstrip(":"), cells[1])
    for dl in sel.xpath("//dl")[:20]:
        for dt in dl.xpath("./dt"):
            dd = dt.xpath("following-sibling::dd[1]")
            key = clean_text(" ".join(dt.xpath(".//text()").getall())).rstrip(":")
            value = clean_text(" ".join(dd.xpath(".//text()").getall())) if dd else ""
            if key and value and len(key) <= 60 and len(value) <= 200:
                attributes.setdefault(key, value)
    return dict(list(attributes.items())[:50])


def extract_heuristics(sel: Selector, url: str | None, product_page: bool = True) -> dict[str, Any]:
    """Generic fields; price, sku and availability only when the page is a product page."""
    fields: dict[str, Any] = {"title": _title(sel), "attributes": _attributes(sel)}
    if product_page:
        fields["price"], fields["currency"] = _price(sel)
        fields["sku"] = _sku(sel, url)
        fields["availability"] = _availability(sel)
    return fields
