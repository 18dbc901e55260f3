"""A small deterministic web shop for the `shop` spider's tests, served on 127.0.0.1, port 0.

Two categories of paginated listings, fourteen products in three markup variants (JSON-LD,
microdata, OpenGraph/product meta only), robots.txt pointing at a sitemap index whose
sitemaps (one gzipped) list two products no page links, a content page, and on every page
the links a crawler must not follow: cart, login, account, sort facets, add-to-cart, a
media file and a link to another host. A dead product link answers 404. The server records
every request's host and path so a test can assert what was (not) fetched.
"""

from __future__ import annotations

import gzip
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import ClassVar

VARIANTS = ("jsonld", "microdata", "opengraph")
CATEGORIES = {"phones": 7, "accessories": 5}  # linked products per category
PAGE_SIZE = 3
SITEMAP_ONLY = 2
TRAP_PATHS = (
    "/cart",
    "/login",
    "/account/",
    "/category/phones/?sort=price",
    "/category/accessories/?add-to-cart=TW-A",
    "/media/catalogue.pdf",
    "/wishlist?add=1",
    "/checkout/",
)


@dataclass(frozen=True)
class ShopProduct:
    number: int
    category: str | None  # None: only the sitemap lists it
    variant: str

    @property
    def name(self) -> str:
        return f"Mini phone model {self.number:02d}"

    @property
    def sku(self) -> str | None:
        # Odd-numbered OpenGraph products have no sku at all: their id is a hash of their URL.
        return None if self.variant == "opengraph" and self.number % 2 else f"TW-{self.number:03d}"

    @property
    def price(self) -> str:
        return f"{20 + self.number}.90"

    @property
    def path(self) -> str:
        # The OpenGraph ones live at the root: nothing in the URL says "product".
        if self.variant == "opengraph":
            return f"/mini-phone-{self.number:02d}.html"
        return f"/product/mini-phone-{self.number:02d}.html"


def shop_products() -> list[ShopProduct]:
    products: list[ShopProduct] = []
    for category, count in CATEGORIES.items():
        for _ in range(count):
            products.append(ShopProduct(len(products) + 1, category, VARIANTS[len(products) % 3]))
    for _ in range(SITEMAP_ONLY):
        products.append(ShopProduct(len(products) + 1, None, VARIANTS[len(products) % 3]))
    return products


def _layout(title: str, body: str, head: str = "") -> bytes:
    header = (
        '<header><nav class="main-menu"><a href="/">Home</a> '
        '<a href="/category/phones/">Phones</a> <a href="/category/accessories/">Accessories</a>'
        '</nav><a href="/cart">Cart (0)</a> <a href="/login">Log in</a> '
        '<a href="/account/">My account</a> <a href="/wishlist?add=1">Wishlist</a>'
        '<a href="/checkout/">Checkout</a></header>'
    )
    footer = (
        '<footer><a href="/about.html">About us</a> <a href="mailto:shop@example.org">Mail</a> '
        '<a href="/media/catalogue.pdf">Catalogue (PDF)</a></footer>'
    )
    return (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title>{head}'
        f"</head><body>{header}<main>{body}</main>{footer}</body></html>"
    ).encode()


def _product_page(p: ShopProduct, base: str) -> bytes:
    url = base + p.path
    back = f'<a href="/category/{p.category}/">Back to {p.category}</a>' if p.category else ""
    sku_meta = f'<meta property="product:retailer_item_id" content="{p.sku}">' if p.sku else ""
    if p.variant == "jsonld":
        ld = (
            '{"@context": "https://schema.org", "@type": "Product", '
            f'"name": "{p.name}", "sku": "{p.sku}", "image": "{base}/img/{p.number}.jpg", '
            '"offers": {"@type": "Offer", '
            f'"price": "{p.price}", "priceCurrency": "EUR", '
            '"availability": "https://schema.org/InStock"}}'
        )
        head = f'<script type="application/ld+json">{ld}</script><link rel="canonical" href="{url}">'
        body = f"<h1>{p.name}</h1><p class=price>{p.price} €</p>{back}"
    elif p.variant == "microdata":
        head = f'<link rel="canonical" href="{url}">'
        body = (
            '<div itemscope itemtype="https://schema.org/Product">'
            f'<h1 itemprop="name">{p.name}</h1><meta itemprop="sku" content="{p.sku}">'
            '<div itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
            f'<span itemprop="price" content="{p.price}">{p.price} €</span>'
            '<meta itemprop="priceCurrency" content="EUR">'
            f'<link itemprop="availability" href="https://schema.org/InStock"></div></div>{back}'
        )
    else:
        head = (
            '<meta property="og:type" content="product">'
            f'<meta property="og:title" content="{p.name}"><meta property="og:url" content="{url}">'
            f'<meta property="product:price:amount" content="{p.price}">'
            f'<meta property="product:price:currency" content="EUR">{sku_meta}'
        )
        body = f"<h1>{p.name}</h1><div>{p.price} €</div>{back}"
    body += f'<a href="/category/{p.category or "phones"}/?sort=price">Cheapest first</a>'
    return _layout(p.name, body, head)


def _listing_page(category: str, items: list[ShopProduct], page: int, pages: int) -> bytes:
    def page_path(number: int) -> str:
        if number == 1:
            return f"/category/{category}/"
        # Two pagination styles: a path segment with rel=next, and a query parameter.
        return (
            f"/category/{category}/page/{number}/"
            if category == "phones"
            else f"/category/{category}/?page={number}"
        )

    tiles = []
    for p in items:
        # OpenGraph products sit in plain grid cells: only their page says they are products.
        cell = "grid-cell" if p.variant == "opengraph" else "product-tile"
        tiles.append(
            f'<li class="{cell}"><a href="{p.path}">{p.name}</a> <span>{p.price} €</span> '
            f'<a href="/category/{category}/?add-to-cart={p.sku or "TW-A"}">Add to cart</a></li>'
        )
    numbers = " ".join(f'<a href="{page_path(n)}">{n}</a>' for n in range(1, pages + 1) if n != page)
    head = f'<link rel="next" href="{page_path(page + 1)}">' if page < pages and category == "phones" else ""
    pager = f'<div class="pagination">{numbers}</div>' if category == "phones" else f"<p>{numbers}</p>"
    body = (
        f'<h1>{category.title()}</h1><a href="/category/{category}/?sort=price">Sort by price</a>'
        f'<a href="/category/{category}/?add-to-cart=TW-A">Quick buy</a>'
        f'<ul class="grid">{"".join(tiles)}</ul>{pager}'
    )
    if category == "phones" and page == pages:
        body += '<a href="/product/discontinued-model.html">Discontinued model</a>'
    return _layout(f"{category} page {page}", body, head)


def _urlset(urls: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{url}</loc></url>" for url in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    ).encode()


def build_shop(base: str) -> dict[str, tuple[str, bytes]]:
    """Every route ("/path?query") of the shop at `base` -> (content type, body)."""
    html = "text/html; charset=utf-8"
    products = shop_products()
    routes: dict[str, tuple[str, bytes]] = {}
    for p in products:
        routes[p.path] = (html, _product_page(p, base))
    for category in CATEGORIES:
        items = [p for p in products if p.category == category]
        chunks = [items[i : i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)]
        for number, chunk in enumerate(chunks, start=1):
            path = f"/category/{category}/"
            if number > 1:
                path += f"page/{number}/" if category == "phones" else f"?page={number}"
            routes[path] = (html, _listing_page(category, chunk, number, len(chunks)))
    routes["/"] = (
        html,
        _layout(
            "Mini phones shop",
            (
                "<h1>Welcome</h1><p>The smallest phones, delivered discreetly.</p>"
                f'<a href="http://localhost:{base.rsplit(":", 1)[1]}/product/mini-phone-01.html">Mirror</a> '
                '<a href="https://partner.example.net/product/x.html">Our partner</a>'
            ),
            '<meta property="og:type" content="website">',
        ),
    )
    routes["/about.html"] = (html, _layout("About", "<h1>About us</h1><p>Free shipping from 50 €.</p>"))
    only = [base + p.path for p in products if p.category is None]
    routes["/robots.txt"] = (
        "text/plain",
        f"User-agent: *\nDisallow:\n\nSitemap: {base}/sitemap_index.xml\n".encode(),
    )
    routes["/sitemap_index.xml"] = (
        "application/xml",
        (
            '<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{base}/sitemap_products.xml</loc></sitemap>"
            f"<sitemap><loc>{base}/sitemap_more.xml.gz</loc></sitemap></sitemapindex>"
        ).encode(),
    )
    routes["/sitemap_products.xml"] = ("application/xml", _urlset([*only[:1], base + products[0].path]))
    routes["/sitemap_more.xml.gz"] = (
        "application/x-gzip",
        gzip.compress(_urlset([*only[1:], base + "/"]), mtime=0),
    )
    return routes


@dataclass
class ShopSite:
    """The shop served from a background thread; `requests` holds (host, path) of each request."""

    server: ThreadingHTTPServer | None = None
    requests: list[tuple[str, str]] = field(default_factory=list)
    lock: ClassVar[threading.Lock] = threading.Lock()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def requested_paths(self, host: str = "127.0.0.1") -> Counter[str]:
        with self.lock:
            return Counter(path for h, path in self.requests if h.split(":")[0] == host)

    def requested_hosts(self) -> set[str]:
        with self.lock:
            return {h.split(":")[0] for h, _ in self.requests}

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()

    def __enter__(self) -> ShopSite:
        site = self
        routes: dict[str, tuple[str, bytes]] = {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with site.lock:
                    site.requests.append((self.headers.get("Host", ""), self.path))
                found = routes.get(self.path)
                status, (kind, body) = (200, found) if found else (404, ("text/html", b"<h1>Not found</h1>"))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        routes.update(build_shop(self.url))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()
