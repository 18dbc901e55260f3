"""Choosing the product title among the layers' candidates.

Layers disagree most on the title: og:title and ``<title>`` are written for search results and
social cards ("€97.39 40% OFF|<name>| - AliExpress", "Save Big on <name> | Best Deals on
DHgate"), some are cut off ("<name>... From &Price; | DHgate"), while the ``<h1>`` usually
carries the bare name. The most reliable clean candidate wins, and gives way to a later one
it merely decorates or truncates.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import tldextract

from crawler.normalise import clean_text

# Unrendered template syntax: an unknown entity (real ones were decoded by the parser),
# Handlebars/Angular/Jinja, JS template literals, %PLACEHOLDER%.
_PLACEHOLDER = re.compile(r"&[A-Za-z][A-Za-z0-9]*;|\{\{|\}\}|\$\{|\{%|%[A-Z_]{3,}%")
# A price or a discount before the name: "€97.39 40% OFF|", "US $4.36 -", "-40% ".
_LEADING_PRICE = re.compile(
    r"^\s*(?:[-–]?\d{1,3}\s?%(?:\s*off)?|(?:[A-Z]{2,3}\s?)?[$€£¥₹₽]\s?\d|\d[\d.,\s]*\s?(?:[$€£¥₹₽]|"
    r"(?:EUR|USD|GBP)\b))", re.IGNORECASE)
_SEPARATOR = re.compile(r"\s*(?:\|+|\s[-–—:]\s)\s*")
_ELLIPSIS = re.compile(r"\s*(?:\.{3}|…)\s*$")
_psl = tldextract.TLDExtract(suffix_list_urls=())  # the bundled list: never fetched


def site_names(url: str | None, *declared: str | None) -> set[str]:
    """Lower-cased names the site goes by: og:site_name and the like, and its host's label."""
    names = {clean_text(name).casefold() for name in declared if name and clean_text(name)}
    host = (urlsplit(url).hostname or "") if url else ""
    if host:
        names.add(host.casefold())
    # "he.aliexpress.com", "www.amazon.co.uk", "DHgate.com" -> "aliexpress", "amazon", "dhgate"
    names |= {_psl(name).domain for name in names if "." in name and " " not in name}
    return {name for name in names if len(name) >= 3}


def _strip_site(title: str, sites: set[str]) -> str:
    """``title`` without leading/trailing segments that are only the site's name."""
    parts = _SEPARATOR.split(title)
    while len(parts) > 1 and _is_site(parts[-1], sites):
        parts.pop()
    while len(parts) > 1 and _is_site(parts[0], sites):
        parts.pop(0)
    if len(parts) == len(_SEPARATOR.split(title)):
        return title
    # Rebuild from the original text so inner separators keep their spelling.
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return clean_text(title[start:end]) if start >= 0 and end > start else title


def _is_site(segment: str, sites: set[str]) -> bool:
    value = clean_text(segment).strip(" -|–—:").casefold()
    return not value or value in sites or ("." in value and _psl(value).domain in sites)


def clean_candidate(title: str | None, sites: set[str]) -> str | None:
    """The title without the site's name around it; None when it is not a usable name."""
    value = clean_text(title) if title else ""
    if not value or _PLACEHOLDER.search(value) or _LEADING_PRICE.match(value):
        return None
    return _strip_site(value, sites) or None


def _truncates(short: str, full: str) -> bool:
    """``short`` is ``full`` cut off with an ellipsis."""
    stem = _ELLIPSIS.sub("", short).casefold()
    return (stem != short.casefold() and len(stem) >= 3 and len(full) > len(stem)
            and full.casefold().startswith(stem))


def _decorates(decorated: str, bare: str, sites: set[str]) -> bool:
    """``decorated`` is ``bare`` plus a price or the site's name ("| Best Deals on DHgate").

    Other extra words may be the specific part ("Kettle - 1.5 L" is not "Kettle" decorated).
    """
    if len(bare) < 8 or decorated.casefold() == bare.casefold():
        return False
    index = decorated.casefold().find(bare.casefold())
    if index < 0:
        return False
    rest = f"{decorated[:index]} {decorated[index + len(bare):]}".casefold()
    return bool(_LEADING_PRICE.match(rest) or any(site in rest for site in sites))


def choose_title(candidates: list[tuple[str, str | None]], sites: set[str]) -> tuple[str, str] | None:
    """(layer, title) of the best candidate; ``candidates`` are (layer, title) in layer order."""
    clean = [(layer, title) for layer, raw in candidates
             if (title := clean_candidate(raw, sites)) is not None]
    if not clean:
        return None
    best = clean[0]
    for layer, title in clean[1:]:
        if _truncates(best[1], title) or _decorates(best[1], title, sites):
            best = (layer, title)
    return best
