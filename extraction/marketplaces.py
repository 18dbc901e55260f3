"""Layer 4: per-marketplace selectors, a small registry keyed by host pattern.

Selectors are parsel CSS with ``::text`` / ``::attr()``; each tuple is tried in order. They
cover the item and search pages of the marketplaces thumbwatch crawls; anything else falls
through to the generic heuristics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from parsel import Selector

from crawler.normalise import canonical_url, clean_text, parse_price
from extraction.model import ResultCard
from extraction.values import absolute, availability_from_words


@dataclass(frozen=True)
class MarketplaceRules:
    name: str
    host: re.Pattern[str]
    title: tuple[str, ...] = ()
    price: tuple[str, ...] = ()
    seller: tuple[str, ...] = ()
    # Blocks whose text names the seller in a phrase ("Expédié et vendu par Amazon.").
    seller_phrase: tuple[str, ...] = ()
    availability: tuple[str, ...] = ()
    brand: tuple[str, ...] = ()
    sku: tuple[str, ...] = ()
    sku_from_url: re.Pattern[str] | None = None
    # Hidden accessibility text the site puts inside the title ("Details about ...").
    title_noise: re.Pattern[str] | None = None
    card: str | None = None
    card_title: tuple[str, ...] = ()
    card_url: tuple[str, ...] = ()
    card_price: tuple[str, ...] = ()
    # Item URL with tracking stripped: (pattern capturing the id, path template).
    item_url: tuple[re.Pattern[str], str] | None = None


_C = re.compile
REGISTRY: tuple[MarketplaceRules, ...] = (
    MarketplaceRules(
        name="ebay", host=_C(r"(^|\.)ebay\.[a-z.]+$"),
        title=("h1.x-item-title__mainTitle span::text", "h1#itemTitle::text"),
        price=("div.x-price-primary span::text", "#prcIsum::text", "#mm-saleDscPrc::text",
               "#prcIsum_bidPrice::text"),
        seller=(".x-sellercard-atf__info__about-seller a span::text",
                ".ux-seller-section__item--seller a span::text", ".mbg-nw::text"),
        availability=("#qtySubTxt ::text", ".d-quantity__availability ::text"),
        sku_from_url=_C(r"/itm/(?:[^/?]+/)?(\d{9,})"),
        title_noise=_C(r"^(Details about|Détails sur|Dettagli su|Details zu|Detalles acerca de|"
                       r"Detalles de)\s+|\s*-?\s*(mostra il titolo originale|afficher le titre "
                       r"d'origine|show original title|Originaltitel anzeigen|ver título original)$"),
        card="li.s-card, li.s-item",
        card_title=(".s-card__title span.su-styled-text::text", ".s-card__title ::text",
                    ".s-item__title span::text", ".s-item__title::text"),
        card_url=("a.su-link::attr(href)", "a.s-card__link::attr(href)", "a.s-item__link::attr(href)"),
        card_price=(".s-card__price::text", ".s-item__price ::text"),
        item_url=(_C(r"/itm/(?:[^/?]+/)?(\d{9,})"), "/itm/{}"),
    ),
    MarketplaceRules(
        name="amazon", host=_C(r"(^|\.)amazon\.[a-z.]+$"),
        title=("#productTitle::text", "#title ::text"),
        price=("#corePrice_feature_div .a-offscreen::text",
               "#corePriceDisplay_desktop_feature_div .a-offscreen::text",
               "#priceblock_dealprice::text", "#priceblock_ourprice::text",
               "#priceblock_saleprice::text", "#price_inside_buybox::text", "#newBuyBoxPrice::text"),
        seller=("#sellerProfileTriggerId::text", "#merchant-info a span::text", "#merchant-info a::text"),
        seller_phrase=("#merchant-info ::text",),
        availability=("#availability ::text", "#outOfStock ::text"),
        brand=("#bylineInfo::text",),
        sku=("input#ASIN::attr(value)",),
        sku_from_url=_C(r"/(?:dp|gp/product)/([A-Z0-9]{10})"),
        card='[data-component-type="s-search-result"]',
        card_title=("h2 span::text", "h2 ::text"),
        card_url=("h2 a::attr(href)", "a.s-no-outline::attr(href)", "a[href*='/dp/']::attr(href)"),
        card_price=(".a-price:not(.a-text-price) .a-offscreen::text",),
        item_url=(_C(r"/dp/([A-Z0-9]{10})"), "/dp/{}"),
    ),
    MarketplaceRules(
        name="aliexpress", host=_C(r"(^|\.)aliexpress\.[a-z.]+$"),
        title=("h1[data-pl=product-title]::text", ".product-title-text::text"),
        price=(".product-price-current ::text", ".product-price-value::text"),
        seller=(".store-name a::text", "[data-pl=store-name] ::text"),
        sku_from_url=_C(r"/item/(?:[^/]+/)?(\d+)\.html"),
        item_url=(_C(r"/item/(?:[^/]+/)?(\d+)\.html"), "/item/{}.html"),
    ),
    MarketplaceRules(
        name="dhgate", host=_C(r"(^|\.)dhgate\.com$"),
        title=("h1[itemprop=name]::text", "h1::text"),
        price=(".productPrice ::text", "[class*=price-num] ::text"),
        seller=("[class*=storeName] ::text", ".store-name ::text"),
        sku_from_url=_C(r"/product/[^/]+/(\d{6,})\.html"),
    ),
    MarketplaceRules(
        name="leboncoin", host=_C(r"(^|\.)leboncoin\.fr$"),
        title=("[data-qa-id=adview_title] ::text",),
        price=("[data-qa-id=adview_price] ::text",),
        sku_from_url=_C(r"/(\d{8,})(?:\.htm)?/?$"),
        card="a[data-qa-id=aditem_container], a[data-test-id=ad]",
        card_title=("[data-qa-id=aditem_title] ::text", "[data-test-id=adcard-title] ::text",
                    "::attr(title)"),
        card_url=("::attr(href)",),
        card_price=("[data-qa-id=aditem_price] ::text", "[data-test-id=price] ::text"),
    ),
    MarketplaceRules(
        name="cdiscount", host=_C(r"(^|\.)cdiscount\.com$"),
        title=("h1[itemprop=name]::text", "h1::text"),
        price=(".fpPrice::text", "[data-e2e=offer-price] ::text", ".c-price::text"),
        seller=(".fpSellerName a::text", "[data-e2e=seller-name] ::text"),
        sku_from_url=_C(r"/f-\d+-([a-z0-9]+)\.html"),
        card="ul#lpBloc > li[data-sku], article[data-sku]",
        card_title=("h2 ::text", ".prdtTit ::text"),
        card_url=("a::attr(href)",),
        card_price=(".price ::text", ".c-price ::text"),
    ),
    MarketplaceRules(
        name="mercadolibre", host=_C(r"(^|\.)mercado(libre|livre)\.[a-z.]+$"),
        title=("h1.ui-pdp-title::text",),
        price=(".ui-pdp-price__second-line .andes-money-amount ::text",),
        seller=(".ui-pdp-seller__link-trigger span::text",),
        sku_from_url=_C(r"/(M[A-Z]{2}-?\d{6,})"),
        card="li.ui-search-layout__item",
        card_title=("a.poly-component__title::text", ".ui-search-item__title::text"),
        card_url=("a.poly-component__title::attr(href)", "a.ui-search-link::attr(href)"),
        card_price=(".poly-price__current .andes-money-amount ::text", ".andes-money-amount ::text"),
    ),
)


# "sold by X" in the languages of the marketplaces we crawl; X runs to the end of the clause.
_SOLD_BY = re.compile(
    r"(?:sold by|vendu par|verkauft (?:von|durch)|verkauf(?: und versand)? durch|vendido por|"
    r"venduto da|verkocht door|sprzedawany przez|sprzedawca:?|säljs av|vendido e enviado por)\s+(.+?)"
    r"(?:\s+(?:and|et|und|y|e|en|i|och)\s+(?:ships|fulfilled|expédié|versand|enviado|spedito|"
    r"verzonden|wysyłany)\b|[.,;(]\s|\.?$)", re.IGNORECASE)


def seller_in_phrase(phrase: str | None) -> str | None:
    """The seller named in "Ships from and sold by X." style text, else None."""
    match = _SOLD_BY.search(clean_text(phrase)) if phrase else None
    return clean_text(match.group(1)).rstrip(".") or None if match else None


# Template cards some sites render hidden at the top of result lists.
_PLACEHOLDERS = {"Shop on eBay"}
_BRAND_NOISE = re.compile(r"^(Visit the|Visita la tienda de|Visiter la boutique|Besuche den|"
                          r"Visita lo store di|Marke|Brand|Marca|Marque)\s*:?\s*|\s*(Store|-Store|Shop)$",
                          re.IGNORECASE)


def rules_for(url: str | None, marketplace: str | None = None) -> MarketplaceRules | None:
    """The rules named ``marketplace``, else those whose host pattern matches the URL."""
    if marketplace:
        named = next((r for r in REGISTRY if r.name == marketplace.lower()), None)
        if named:
            return named
    host = urlsplit(url).hostname if url else None
    return next((r for r in REGISTRY if host and r.host.search(host)), None)


def guess_site(sel: Selector) -> tuple[MarketplaceRules, str] | None:
    """Rules for a saved page without a URL: the host most of its absolute links point to."""
    counts: dict[str, int] = {}
    for href in sel.css("a::attr(href), link::attr(href)").getall()[:2000]:
        host = urlsplit(href).hostname if href.startswith(("http", "//")) else None
        if host:
            counts[host] = counts.get(host, 0) + 1
    ranked = sorted(counts, key=lambda h: (not h.startswith("www."), -counts[h]))
    for host in ranked:
        found = rules_for(f"https://{host}/")
        if found:
            return found, f"https://{host}/"
    return None


def first_text(sel: Selector, queries: tuple[str, ...]) -> str | None:
    """Text (or attribute) of the first element any query matches that has some."""
    for query in queries:
        if "::attr" in query or query.startswith("::"):
            value = clean_text(sel.css(query).get())
            if value:
                return value
            continue
        element_query, _, pseudo = query.partition("::")
        for element in sel.css(element_query.rstrip() or "*"):
            texts = element.css("::text").getall() if (pseudo and query.rstrip().endswith(" ::text")) \
                or element_query.endswith(" ") else element.xpath("./text()").getall()
            value = clean_text(" ".join(texts))
            if value:
                return value
    return None


def item_url(rules: MarketplaceRules | None, href: str, base: str | None) -> str:
    """Absolute canonical item URL, tracking parameters dropped where the id is known."""
    absolute_url = (absolute(href, base) or [href])[0]
    if rules and rules.item_url:
        # Sponsored links wrap the item URL, percent-encoded, in a click-tracking redirect.
        match = rules.item_url[0].search(unquote(absolute_url))
        if match:
            parts = urlsplit(absolute_url)
            return f"{parts.scheme}://{parts.netloc}{rules.item_url[1].format(match.group(1))}"
    return canonical_url(absolute_url)


def extract_cards(sel: Selector, rules: MarketplaceRules, base: str | None) -> list[ResultCard]:
    cards: list[ResultCard] = []
    seen: set[str] = set()
    for node in sel.css(rules.card) if rules.card else []:
        href = first_text(node, rules.card_url)
        title = first_text(node, rules.card_title)
        if not href or not title or href.startswith(("javascript:", "#")) or title in _PLACEHOLDERS:
            continue
        url = item_url(rules, urljoin(base or "", href), base)
        if url in seen:
            continue
        seen.add(url)
        price, currency = parse_price(first_text(node, rules.card_price))
        cards.append(ResultCard(url=url, title=title, price=price, currency=currency))
    return cards


def extract_marketplace(sel: Selector, rules: MarketplaceRules, url: str | None) -> dict[str, Any]:
    price, currency = parse_price(first_text(sel, rules.price))
    sku = first_text(sel, rules.sku)
    if not sku and rules.sku_from_url and url:
        match = rules.sku_from_url.search(url)
        sku = match.group(1) if match else None
    availability = first_text(sel, rules.availability)
    return {
        "title": clean_title(first_text(sel, rules.title), rules),
        "price": price,
        "currency": currency,
        "sku": sku,
        "availability": availability_from_words(availability) if availability else None,
        "seller": first_text(sel, rules.seller) or seller_in_phrase(first_text(sel, rules.seller_phrase)),
        "brand": _BRAND_NOISE.sub("", first_text(sel, rules.brand) or "").strip() or None,
    }


def clean_title(title: str | None, rules: MarketplaceRules | None) -> str | None:
    if title and rules and rules.title_noise:
        title = clean_text(rules.title_noise.sub("", title))
    return title or None
