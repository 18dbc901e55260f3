"""The layered listing extractor: one function from a page's HTML to its listing fields.

Layers run in order and each fills only the fields still empty, so the most reliable source
present wins: schema.org markup, then meta tags, then embedded application state, then the
marketplace's own selectors, then generic heuristics. ``sources`` records which layer filled
each field, for debugging and for crawl-health fill rates per layer.
"""

from __future__ import annotations

from parsel import Selector

from crawler.normalise import clean_text
from extraction.heuristics import extract_heuristics, locale_currency
from extraction.marketplaces import clean_title, extract_cards, extract_marketplace, guess_site, rules_for
from extraction.meta import extract_meta
from extraction.model import HEURISTIC, MARKETPLACE, META, STATE, STRUCTURED, PageExtraction
from extraction.state import extract_state, json_blobs, sku_for_title, state_cards
from extraction.structured import extract_structured
from extraction.values import absolute


def page_url(sel: Selector, url: str | None) -> str | None:
    """The page's URL: the caller's, else its canonical link, else og:url."""
    if url:
        return url
    declared = (sel.css('link[rel="canonical"]::attr(href)').get()
                or sel.css('meta[property="og:url"]::attr(content)').get())
    found = absolute(declared, None) if declared else []
    return found[0] if found and found[0].startswith("http") else None


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

    product, cards = extract_structured(html, url)
    page.fill_from(product, STRUCTURED)
    page.fill("results", cards, STRUCTURED)

    page.fill_from(extract_meta(sel, url), META)

    blobs = list(json_blobs(sel, html))
    page.fill_from(extract_state(blobs, url), STATE)
    page.fill("results", state_cards(blobs, url), STATE)
    if page.title and not page.sku:
        page.fill("sku", sku_for_title(blobs, page.title), STATE)

    if rules is not None:
        page.fill_from(extract_marketplace(sel, rules, url), MARKETPLACE)
        page.fill("results", extract_cards(sel, rules, base), MARKETPLACE)

    # On a search page a "price near the title" is the first card's, not the page's.
    page.fill_from(extract_heuristics(sel, url, product_page=not page.results), HEURISTIC)
    if page.price is not None and not page.currency:
        page.fill("currency", locale_currency(sel, url), HEURISTIC)
    for card in page.results:
        if card.price is not None and not card.currency:
            card.currency = page.currency or locale_currency(sel, url)

    page.title = clean_title(clean_text(page.title) or None, rules)
    return page
