"""The "bazaar" site: a server-rendered marketplace (search, item and seller pages).

Layout: ``/bazaar/search?q=&page=`` (20 result cards a page and a "next" link),
``/bazaar/item/<id>``, ``/bazaar/seller/<id>?page=``, ``/bazaar/img/<id>-<n>.jpg``.
"""

from __future__ import annotations

from collections.abc import Mapping

from sandbox.catalogue import SandboxListing
from sandbox.search import PAGE_SIZE
from sandbox.sites.base import Site
from sandbox.sites.common import (
    Response,
    attribute_table,
    description_html,
    esc,
    html_page,
    not_found,
    page_number,
    paginate,
    photo,
    search_href,
    server_error,
)

SLOW_SECONDS = 5.0
_HEADER = (
    '<header class="site-header"><a class="logo" href="/bazaar/">Bazaar</a>'
    '<form action="/bazaar/search" method="get"><input name="q" value="{q}">'
    "<button>Search</button></form></header>"
)


class BazaarSite(Site):
    name = "bazaar"

    def handle(self, parts: list[str], params: Mapping[str, str]) -> Response:
        match parts:
            case [] | [""]:
                return html_page("Bazaar", _HEADER.format(q=""))
            case ["search"]:
                return self.search_page(params.get("q", ""), page_number(params.get("page")))
            case ["item", listing_id]:
                return self.item_page(listing_id)
            case ["seller", seller_id]:
                return self.seller_page(seller_id, page_number(params.get("page")))
            case ["img", filename] if filename.endswith(".jpg"):
                listing_id, _, number = filename.removesuffix(".jpg").rpartition("-")
                return photo(self.by_id.get(listing_id), number)
        return not_found()

    def _card(self, listing: SandboxListing) -> str:
        image = listing.image_urls[0]
        return (
            f'<li class="result-card" data-listing-id="{esc(listing.id)}">'
            f'<a class="result-link" href="{esc(self.item_href(listing))}">'
            f'<img src="{esc(image)}" alt=""><span class="result-title">'
            f"{esc(listing.title)}</span></a>"
            f'<span class="result-price">{esc(listing.price_display)}</span>'
            f'<span class="result-ship">From {esc(listing.ship_from)}</span></li>'
        )

    def _results(self, results: list[SandboxListing], page: int, href: str, query: str, heading: str) -> str:
        shown, has_next = paginate(results, page, PAGE_SIZE[self.name])
        cards = "\n".join(self._card(listing) for listing in shown)
        nav = [f'<span class="page-number">Page {page}</span>']
        if page > 1:
            nav.insert(
                0, f'<a class="prev" rel="prev" href="{esc(href_for(href, query, page - 1))}">Previous</a>'
            )
        if has_next:
            nav.append(f'<a class="next" rel="next" href="{esc(href_for(href, query, page + 1))}">Next</a>')
        return (
            f'{_HEADER.format(q=esc(query))}<main class="search-results">'
            f'<h1>{esc(heading)}</h1><p class="result-count">{len(results)} results</p>'
            f'<ul class="results">\n{cards}\n</ul>'
            f'<nav class="pagination">{" ".join(nav)}</nav></main>'
        )

    def search_page(self, query: str, page: int) -> Response:
        results = self.index.search(query)
        body = self._results(results, page, "/bazaar/search", query, f"Results for “{query}”")
        return html_page(f"{query} – Bazaar search", body)

    def seller_page(self, seller_id: str, page: int) -> Response:
        items = self.seller_listings(seller_id)
        if not items:
            return not_found("seller")
        body = self._results(
            items, page, f"/bazaar/seller/{seller_id}", "", f"Items of {items[0].seller_name}"
        )
        return html_page(f"{items[0].seller_name} – Bazaar", body)

    def item_page(self, listing_id: str) -> Response:
        listing = self.by_id.get(listing_id)
        if listing is None:
            return not_found("item")
        fault = self.fault(listing)
        if fault == "server_error":
            return server_error()
        challenge = self.challenge_once(listing)
        if challenge is not None:
            return challenge
        title = "" if fault == "malformed" else (f'<h1 class="item-title">{esc(listing.title)}</h1>')
        images = "".join(f'<img src="{esc(url)}" alt="{esc(listing.title)}">' for url in listing.image_urls)
        body = (
            f'{_HEADER.format(q="")}<main class="item-page" data-item-id="{esc(listing.id)}">'
            f'{title}<div class="item-price">{esc(listing.price_display)}</div>'
            f'<p class="item-number">Item number: <span>{esc(listing.id)}</span></p>'
            f'<div class="seller-box">Seller: <a class="seller-link" '
            f'href="/bazaar/seller/{esc(listing.seller_id)}">{esc(listing.seller_name)}</a></div>'
            f'<div class="gallery">{images}</div>'
            f'<p class="ships-from">Ships from: <span class="ship-country">'
            f"{esc(listing.ship_from)}</span></p>"
            f'<section class="specifics"><h2>Item specifics</h2>'
            f"{attribute_table(listing.attributes, 'item-specifics')}</section>"
            f'<section class="description"><h2>Description</h2><div class="item-description">'
            f"{description_html(listing.description)}</div></section></main>"
        )
        heading = "Bazaar" if fault == "malformed" else f"{listing.title} | Bazaar"
        page = html_page(heading, body)
        if fault == "slow":
            return Response(page.status, page.body, page.content_type, delay=SLOW_SECONDS)
        return page


def href_for(path: str, query: str, page: int) -> str:
    return search_href(path, query, page) if query else f"{path}?page={page}"
