"""Recognising a "listing ended / removed" page, per marketplace (pure functions on HTML).

Marketplaces often answer a removed listing with HTTP 200 and a notice instead of a 404. Only
the visible text is searched: real pages carry every notice of the site in their embedded
translation tables (a live Leboncoin page holds "l'article n'est plus disponible" in its
``__NEXT_DATA__``), so matching the raw HTML would call live listings removed. The one
structured signal used is eBay's own item state (``"isItemEnded":true``).

"Out of stock" or "currently unavailable" is not removal: the listing is still up. The phrases
of Amazon, AliExpress, DHgate, Leboncoin and Cdiscount follow those sites' published notices and
have not been checked against a saved removed page (none is available); a 404 or 410 counts as
removal on every site anyway.
"""

from __future__ import annotations

import re

from parsel import Selector

GENERIC_NOTICES: tuple[str, ...] = (
    "this listing has been removed",
    "this listing is no longer available",
    "this listing has ended",
    "this item has been removed",
    "this item is no longer available",
    "this product is no longer available",
)
NOTICES: dict[str, tuple[str, ...]] = {
    "ebay": (
        "this listing was ended by the seller",
        "this listing has ended",
        "bidding has ended on this item",
        "the item you're looking for is no longer available",
        "cette annonce est terminée",
        "cette vente est terminée",
        "dieses angebot wurde vom verkäufer beendet",
        "dieses angebot wurde beendet",
        "questa inserzione è terminata",
        "esta publicación ha finalizado",
        "este anuncio ha finalizado",
    ),
    "amazon": (
        "we're sorry. the web address you entered is not a functioning page on our site",
        "looking for something? we're sorry",
        "nous sommes désolés. l'adresse web que vous avez entrée n'est pas une page active",
        "die eingegebene webadresse ist keine funktionierende seite",
    ),
    "aliexpress": (
        "sorry, this item is no longer available",
        "this product is no longer available",
        "ce produit n'est plus disponible",
        "este producto ya no está disponible",
    ),
    "dhgate": (
        "sorry, this item is no longer available",
        "this item has been removed",
        "the product you are looking for has been removed",
    ),
    "leboncoin": (
        "cette annonce n'est plus disponible",
        "cette annonce n'est plus en ligne",
        "cette annonce a été désactivée",
    ),
    "cdiscount": (
        "ce produit n'existe plus",
        "cette offre n'existe plus",
    ),
}
_STRUCTURED: dict[str, re.Pattern[str]] = {
    "ebay": re.compile(r'"isItemEnded"\s*:\s*true'),
}
_VISIBLE_TEXT = (
    "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]"
)
_SPACES = re.compile(r"\s+")


def site_of(marketplace: str) -> str | None:
    """The recogniser's site name for a marketplace slug ("ebay.co.uk" -> "ebay")."""
    lowered = marketplace.lower()
    return next((site for site in NOTICES if site in lowered), None)


def visible_text(html: str) -> str:
    """The page's text as a reader sees it: lower-case, typographic apostrophes plain, spaces single."""
    parts = Selector(text=html).xpath(_VISIBLE_TEXT).getall()
    return _SPACES.sub(" ", " ".join(parts)).replace("’", "'").lower()


def removal_notice(marketplace: str, html: str) -> str | None:
    """Why this page says the listing is gone, or None when it does not."""
    site = site_of(marketplace)
    structured = _STRUCTURED.get(site or "")
    if structured is not None and structured.search(html):
        return f"the page's item state says it ended ({structured.pattern})"
    text = visible_text(html)
    for phrase in (*NOTICES.get(site or "", ()), *GENERIC_NOTICES):
        if phrase in text:
            return f"the page says {phrase!r}"
    return None
