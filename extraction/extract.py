"""The layered listing extractor: one function from a page's HTML to its listing fields.

Layers run in order and each fills only the fields still empty, so the most reliable source
present wins: schema.org markup, then meta tags, then embedded application state, then the
marketplace's own selectors, then generic heuristics. ``sources`` records which layer filled
each field, for debugging and for crawl-health fill rates per layer.
"""

from __future__ import annotations

from typing import Any

from parsel import Selector

from extraction.heuristics import extract_heuristics, locale_currency
from extraction.marketplaces import clean_title, extract_cards, extract_marketplace, guess_site, rules_for
from extraction.meta import extract_meta
from extraction.model import HEURISTIC, MARKETPLACE, META, STATE, STRUCTURED, PageExtraction
from extraction.state import extract_state, json_blobs, sku_for_title, state_cards
from extraction.structured import extract_structured
from extraction.titles import choose_title, site_names
from extraction.values import absolute

# Fields that belong to one offer: on a listing page they describe a tile, not the page.
_OFFER_FIELDS = ("price", "currency", "sku", "availability", "seller")


def page_url(sel: Selector, url: str | None) -> str | None:
    """The page's URL: the caller's, else its canonical link, else og:url."""
    if url:
        return url
    declared = (sel.css('link[rel="canonical"]::attr(href)').get()
                or sel.css('meta[property="og:url"]::attr(content)').get())
    found = absolute(declared, None) if declared else []
    return found[0] if found and found[0].startswith("http") else None


def _without(values: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if name not in names}


def extract_page(html: str, url: str | None = None, marketplace: str | None = None) -> PageExtraction:
    """Listing fields of a product page, or result cards of a search page (or both)."""
    sel = Selector(text=html)
    url = page_url(sel, url)
    rules = rules_for(url, marketplace)
    base = url
    if rules is None and url is None:
        # A saved page without its URL: recognise the site from where its links point.
        guessed = guess_site(sel)
        rules, base = guessed if guessed else (None, None)
    page = PageExtraction(url=url)
    # Every layer proposes a title; the choice is made once all have spoken (see titles.py).
    titles: list[tuple[str, str | None]] = []

    def offer(values: dict[str, Any], layer: str) -> None:
        titles.append((layer, values.get("title")))
        rest = _without(values, ("title",))
        # A listing's page-level price or sku is one of its tiles', not the page's.
        page.fill_from(_without(rest, _OFFER_FIELDS) if page.listing else rest, layer)

    product, cards = extract_structured(html, url)
    meta = extract_meta(sel, url)
    page.og_type = meta.pop("og_type", None)
    sites = site_names(url or base, meta.pop("site_name", None), rules.name if rules else None)
    page.listing = bool(cards) and not product and not page.declares_product
    offer(product, STRUCTURED)
    page.fill("results", cards, STRUCTURED)

    offer(meta, META)

    blobs = list(json_blobs(sel, html))
    offer(extract_state(blobs, url), STATE)
    page.fill("results", state_cards(blobs, url), STATE)
    if not page.sku and not page.listing:
        # Shop state pairs the sku with the product's name as one of the layers wrote it.
        chosen = choose_title(titles, sites)
        names = [chosen[1]] if chosen else []
        names += [title for _, title in titles if title and title not in names]
        page.fill("sku", next(filter(None, (sku_for_title(blobs, name) for name in names)), None),
                  STATE)

    if rules is not None:
        offer(extract_marketplace(sel, rules, url), MARKETPLACE)
        page.fill("results", extract_cards(sel, rules, base), MARKETPLACE)

    # On a search page a "price near the title" is the first card's, not the page's.
    offer(extract_heuristics(sel, url, product_page=not page.results), HEURISTIC)
    if page.price is not None and not page.currency:
        page.fill("currency", locale_currency(sel, url), HEURISTIC)
    for card in page.results:
        if card.price is not None and not card.currency:
            card.currency = page.currency or locale_currency(sel, url)

    chosen = choose_title([(layer, clean_title(title, rules)) for layer, title in titles], sites)
    if chosen is not None:
        page.sources["title"], page.title = chosen
    return page
