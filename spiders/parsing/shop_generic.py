"""Pure parsing for any standalone web shop: product pages, link discovery, the trap filter.

Nothing here knows a particular shop. A page is a product when its schema.org Product markup
or its OpenGraph/product meta tags say so (read through `extraction.extract_page`); links are
sorted into likely product pages and listing pages (categories, pagination) by where they sit
and what they look like; URLs that lead into carts, accounts, search facets or media are traps
the spider never requests, because on a real shop they multiply without end.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

import tldextract
from parsel import Selector
from scrapy.http import TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS

from crawler.items import ListingItem
from crawler.normalise import canonical_url, clean_text
from extraction import PageExtraction, extract_page
from spiders.parsing.listing import item_from_page

# Path segments of pages no crawler should open: they change state, need a login, or are
# per-visitor. Matched against whole segments and segment prefixes ("my-account", "login.php").
_TRAP_SEGMENT = re.compile(
    r"^(?:cart|basket|panier|warenkorb|carrito|carrello|checkout|commande|kasse|login|logout|"
    r"log-in|signin|sign-in|signup|sign-up|register|registration|inscription|connexion|"
    r"account|accounts|my-account|myaccount|mon-compte|customer|wishlist|wish-list|favorites|"
    r"compare|comparison|search|recherche|suche|buscar|cgi-bin|wp-admin|wp-login|admin|"
    r"password|reset-password|session)(?:[._-].*)?$",
    re.IGNORECASE,
)
# Query keys that make facets, sort orders, cart actions or session copies of a page.
_TRAP_QUERY_KEY = re.compile(
    r"^(?:sort|sort_by|sortby|orderby|order|dir|direction|filter.*|.*price.*|min_.*|max_.*|"
    r"add-to-cart|add_to_cart|add-to-wishlist|add_to_wishlist|remove_item|action|q|s|query|"
    r"search|keyword|keywords|sid|sessionid|session_id|phpsessid|jsessionid|oscsid|zenid|"
    r"currency|lang|limit|per_page|view|mode|display|color|colour|size|brand|rating|utm_.*|"
    r"fbclid|gclid|replytocom|share)$",
    re.IGNORECASE,
)
_SESSION_IN_PATH = re.compile(r";(?:jsessionid|sid|phpsessid)=", re.IGNORECASE)
_MEDIA_EXTENSIONS = frozenset(f".{ext}" for ext in IGNORED_EXTENSIONS) | {".xml", ".gz", ".json"}

_PAGINATION_CLASS = re.compile(r"pagination|pager|page-numbers|paging|pages", re.IGNORECASE)
_CATEGORY_CLASS = re.compile(r"categor|collection|menu|\bnav|departments|catalog", re.IGNORECASE)
_PRODUCT_CLASS = re.compile(r"product|item-card|card-item", re.IGNORECASE)
_CATEGORY_PATH = re.compile(r"/(?:categor(?:y|ies)|collections?|c|cat|catalog|shop|boutique|"
                            r"department|rayon|kategorie|categoria)(?:/|$)", re.IGNORECASE)
_PRODUCT_PATH = re.compile(r"/(?:products?|produit|produkt|producto|prodotto|p|item|dp|article)/",
                           re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"^\s*\d{1,4}\s*$")

_psl = tldextract.TLDExtract(suffix_list_urls=())  # the bundled list: never fetched at crawl time


@lru_cache(maxsize=1024)
def registered_domain(url: str) -> str:
    """The domain a shop registered (``shop.example.co.uk`` -> ``example.co.uk``); IPs as is."""
    host = (urlsplit(url).hostname or "").lower()
    parts = _psl(host)
    return parts.top_domain_under_public_suffix or host


def shop_host(url: str) -> str:
    """The shop's host without ``www.`` or port: the listing's marketplace slug."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def on_domains(url: str, domains: frozenset[str]) -> bool:
    """True when `url`'s host is one of `domains` or a subdomain of one."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == domain or host.endswith(f".{domain}") for domain in domains)


def is_trap(url: str) -> bool:
    """True for URLs a shop crawl must not request (cart, login, facets, sessions, media...)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return True
    if _SESSION_IN_PATH.search(parts.path):
        return True
    path = parts.path.lower()
    if any(path.endswith(ext) for ext in _MEDIA_EXTENSIONS):
        return True
    if any(_TRAP_SEGMENT.match(segment) for segment in path.split("/") if segment):
        return True
    return any(_TRAP_QUERY_KEY.match(key) for key, _ in parse_qsl(parts.query, keep_blank_values=True))


@dataclass(frozen=True, slots=True)
class ShopLinks:
    """The links worth following from one page, canonical, deduplicated, in page order."""

    products: list[str] = field(default_factory=list)
    pagination: list[str] = field(default_factory=list)
    listings: list[str] = field(default_factory=list)


def _classes_around(link: Selector) -> str:
    """Class and id values of the link and its ancestors (where a link sits says what it is)."""
    return " ".join(link.xpath("ancestor-or-self::*/@class | ancestor-or-self::*/@id").getall())


def _kind(link: Selector, url: str) -> str:
    around = _classes_around(link)
    text = clean_text(" ".join(link.css("::text").getall()))
    if ("next" in link.attrib.get("rel", "").lower().split() or _PAGINATION_CLASS.search(around)
            or (_PAGE_NUMBER.match(text) and not _PRODUCT_CLASS.search(around))):
        return "pagination"
    if _PRODUCT_PATH.search(urlsplit(url).path) or _PRODUCT_CLASS.search(around):
        return "products"
    return "listings"


def discover_links(response: TextResponse, page: PageExtraction | None = None,
                   domains: frozenset[str] | None = None) -> ShopLinks:
    """Product candidates, pagination and other listing pages linked from `response`.

    Result cards found by the extractor, links inside product tiles and product-looking paths
    are product candidates; rel=next, links in pagination blocks and numbered page links are
    pagination; categories, navigation and any other link on the shop's domains are listing
    pages, judged by their content once fetched (a home page's "featured" block links products
    without saying so). Traps and off-domain links are dropped. `domains` defaults to the
    page's registered domain.
    """
    allowed = domains if domains is not None else frozenset({registered_domain(response.url)})
    page = page if page is not None else extract_page(response.text, response.url)
    found: dict[str, dict[str, None]] = {"products": {}, "pagination": {}, "listings": {}}
    this = canonical_url(response.url)

    def keep(href: str | None) -> str | None:
        if not href or href.strip().startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
            return None
        url = canonical_url(response.urljoin(href.strip()))
        if url == this or is_trap(url) or not on_domains(url, allowed):
            return None
        return url

    for card in page.results:
        if (url := keep(card.url)) is not None:
            found["products"].setdefault(url)
    for link in response.css("link[rel~=next][href], a[href]"):
        url = keep(link.attrib.get("href"))
        if url is not None and not any(url in seen for seen in found.values()):
            found[_kind(link, url)].setdefault(url)
    return ShopLinks(products=list(found["products"]), pagination=list(found["pagination"]),
                     listings=list(found["listings"]))


def _declares_product(page: PageExtraction) -> bool:
    """The page says it is one product: structured or meta-tag data, or og:type=product."""
    declared = {page.sources.get(name) for name in ("price", "sku")}
    return page.declares_product or bool(declared & {"structured", "meta"})


def _product_tiles(response: TextResponse) -> int:
    """Top-level microdata Products, linked or not.

    The extractor turns tiles that carry their own URL into result cards (and the page into a
    listing); tiles whose link sits outside their markup still mean a listing page.
    """
    return len(response.xpath(
        "//*[@itemscope][contains(@itemtype, 'schema.org/Product')]"
        "[not(ancestor::*[@itemscope])]"))


def canonical_page_url(response: TextResponse) -> str:
    """The page's declared canonical URL when it is on the same site, else the fetched URL."""
    declared = response.css('link[rel="canonical"]::attr(href)').get()
    if declared:
        url = canonical_url(response.urljoin(declared.strip()))
        if urlsplit(url).hostname == urlsplit(response.url).hostname and not is_trap(url):
            return url
    return canonical_url(response.url)


def url_id(url: str) -> str:
    """A stable external id for a product without a sku: a hash of its canonical URL."""
    return "url-" + hashlib.sha256(canonical_url(url).encode()).hexdigest()[:20]


def parse_product_page(response: TextResponse, fetched_at: datetime | None = None,
                       page: PageExtraction | None = None) -> ListingItem | None:
    """The page's listing when it declares a product (schema.org or product meta), else None."""
    page = page if page is not None else extract_page(response.text, response.url)
    if not page.is_product or not _declares_product(page) or _product_tiles(response) > 1:
        return None
    url = canonical_page_url(response)
    title = clean_text(page.title)
    if not title:
        return None
    return item_from_page(page, shop_host(url), clean_text(page.sku) or url_id(url), url, title, fetched_at)
