"""The "shop" site: a small web shop with schema.org Product JSON-LD on product pages.

Layout: ``/shop/search?q=&page=`` and ``/shop/category/<slug>?page=`` (12 tiles a page,
``rel="next"`` links), ``/shop/product/<slug>`` (JSON-LD ``Product`` with ``offers`` plus the
same facts in HTML), ``/shop/media/<slug>-<n>.jpg``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
    script_json,
    search_href,
    server_error,
)

SLOW_SECONDS = 5.0
CATEGORY_NAMES = {
    "mini-phones": "Mini phones",
    "smartphones": "Smartphones",
    "phones": "Phones",
    "accessories": "Accessories",
    "toys": "Toys",
    "car-accessories": "Car accessories",
    "audio": "Audio",
    "gadgets": "Gadgets",
}
_NAV = "".join(
    f'<li><a href="/shop/category/{slug}">{esc(name)}</a></li>' for slug, name in CATEGORY_NAMES.items()
)
_HEADER = (
    '<header><a class="brand" href="/shop/">Nova Gadgets</a>'
    '<form action="/shop/search"><input name="q" value="{q}"></form>'
    f'<nav><ul class="categories">{_NAV}</ul></nav></header>'
)


class ShopSite(Site):
    name = "shop"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.by_slug = {listing.slug: listing for listing in self.listings}
        self.by_category: dict[str, list[SandboxListing]] = {}
        for listing in self.listings:
            self.by_category.setdefault(listing.category, []).append(listing)

    def handle(self, parts: list[str], params: Mapping[str, str]) -> Response:
        page = page_number(params.get("page"))
        match parts:
            case [] | [""]:
                return html_page("Nova Gadgets", _HEADER.format(q=""))
            case ["search"]:
                query = params.get("q", "")
                return self.grid(
                    f"Search: {query}",
                    self.index.search(query),
                    page,
                    lambda n: search_href("/shop/search", query, n),
                    query,
                )
            case ["category", slug] if slug in CATEGORY_NAMES:
                return self.grid(
                    CATEGORY_NAMES[slug],
                    self.by_category.get(slug, []),
                    page,
                    lambda n: f"/shop/category/{slug}?page={n}",
                    "",
                )
            case ["product", slug]:
                return self.product_page(slug)
            case ["media", filename] if filename.endswith(".jpg"):
                slug, _, number = filename.removesuffix(".jpg").rpartition("-")
                return photo(self.by_slug.get(slug), number)
        return not_found()

    def grid(self, heading: str, results: list[SandboxListing], page: int, href: Any, query: str) -> Response:
        shown, has_next = paginate(results, page, PAGE_SIZE[self.name])
        tiles = "\n".join(
            f'<li class="product-tile"><a class="product-link" href="{esc(self.item_href(x))}">'
            f'<img src="{esc(x.image_urls[0])}" alt=""><span class="tile-title">{esc(x.title)}'
            f'</span></a><span class="tile-price">{esc(x.price_display)}</span></li>'
            for x in shown
        )
        head, nav = "", ""
        if has_next:
            head = f'<link rel="next" href="{esc(href(page + 1))}">'
            nav = f'<a class="next" rel="next" href="{esc(href(page + 1))}">Next page</a>'
        body = (
            f"{_HEADER.format(q=esc(query))}<main><h1>{esc(heading)}</h1>"
            f'<p class="count">{len(results)} products</p>'
            f'<ul class="product-grid">\n{tiles}\n</ul><nav class="pager">{nav}</nav></main>'
        )
        return html_page(f"{heading} – Nova Gadgets", body, head=head)

    def product_page(self, slug: str) -> Response:
        listing = self.by_slug.get(slug)
        if listing is None:
            return not_found("product")
        fault = self.fault(listing)
        if fault == "server_error":
            return server_error()
        malformed = fault == "malformed"
        data = product_json_ld(listing)
        if malformed:
            del data["name"]
        head = (
            f'<link rel="canonical" href="{esc(listing.path)}">'
            f'<script type="application/ld+json">{script_json(data)}</script>'
        )
        title = "" if malformed else f'<h1 class="product-title">{esc(listing.title)}</h1>'
        images = "".join(f'<img src="{esc(url)}" alt="">' for url in listing.image_urls)
        category = CATEGORY_NAMES[listing.category]
        body = (
            f'{_HEADER.format(q="")}<main class="product" data-sku="{esc(listing.id)}">'
            f'<nav class="breadcrumbs"><a href="/shop/">Home</a> › <a href="/shop/category/'
            f'{esc(listing.category)}">{esc(category)}</a></nav>{title}'
            f'<p class="product-price">{esc(listing.price_display)}</p>'
            f'<p class="availability">In stock</p>'
            f'<p class="vendor">Sold by <span class="vendor-name">{esc(listing.seller_name)}'
            f'</span></p><p class="dispatch">Dispatched from <span class="dispatch-country">'
            f'{esc(listing.ship_from)}</span></p><div class="product-images">{images}</div>'
            f"{attribute_table(listing.attributes, 'product-attributes')}"
            f'<div class="product-description">{description_html(listing.description)}</div>'
            "</main>"
        )
        page = html_page("Nova Gadgets" if malformed else f"{listing.title} – Nova Gadgets", body, head=head)
        if fault == "slow":
            return Response(page.status, page.body, page.content_type, delay=SLOW_SECONDS)
        return page


def product_json_ld(listing: SandboxListing) -> dict[str, Any]:
    """schema.org ``Product`` of a listing (image and offer URLs root-relative)."""
    return {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": listing.title,
        "description": listing.description,
        "sku": listing.id,
        "image": list(listing.image_urls),
        "brand": {"@type": "Brand", "name": listing.attributes.get("Brand", "Unbranded")},
        "category": CATEGORY_NAMES[listing.category],
        "offers": {
            "@type": "Offer",
            "url": listing.path,
            "price": str(listing.price),
            "priceCurrency": listing.currency,
            "availability": "https://schema.org/InStock",
            "seller": {"@type": "Organization", "name": listing.seller_name},
        },
        "additionalProperty": [
            {"@type": "PropertyValue", "name": key, "value": value}
            for key, value in listing.attributes.items()
        ],
    }
