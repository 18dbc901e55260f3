"""Offline tests of the shop spider's pure parts: trap filter, link discovery, product pages,
and its argument validation."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from spiders.base import SpiderArgumentError
from spiders.parsing.shop_generic import discover_links, is_trap, parse_product_page, url_id
from spiders.shop import ShopSpider
from tests.shopsite import build_shop

BASE = "http://shop.example.fr"


def response(path: str, body: str | bytes) -> HtmlResponse:
    return HtmlResponse(BASE + path, body=body.encode() if isinstance(body, str) else body, encoding="utf-8")


@pytest.mark.parametrize(
    "url",
    [
        "https://shop.example.fr/cart",
        "https://shop.example.fr/panier/",
        "https://shop.example.fr/checkout/step-1",
        "https://shop.example.fr/login.php",
        "https://shop.example.fr/my-account/orders",
        "https://shop.example.fr/customer/account/login/",
        "https://shop.example.fr/register",
        "https://shop.example.fr/wishlist?add=3",
        "https://shop.example.fr/compare/",
        "https://shop.example.fr/search?q=phone",
        "https://shop.example.fr/phones/?sort=price",
        "https://shop.example.fr/phones/?orderby=date",
        "https://shop.example.fr/phones/?filter_color=red",
        "https://shop.example.fr/phones/?min_price=10",
        "https://shop.example.fr/phones/?price=10-50",
        "https://shop.example.fr/phones/?add-to-cart=12",
        "https://shop.example.fr/p/1;jsessionid=ABC",
        "https://shop.example.fr/p/1?PHPSESSID=abc",
        "https://shop.example.fr/img/phone.JPG",
        "https://shop.example.fr/catalogue.pdf",
        "https://shop.example.fr/video.mp4",
        "mailto:shop@example.fr",
        "ftp://shop.example.fr/x",
    ],
)
def test_traps_are_recognised(url: str) -> None:
    assert is_trap(url) is True


@pytest.mark.parametrize(
    "url",
    [
        "https://shop.example.fr/",
        "https://shop.example.fr/product/mini-phone.html",
        "https://shop.example.fr/category/phones/?page=2",
        "https://shop.example.fr/collections/all",
        "https://shop.example.fr/phones/page/3/",
        "https://shop.example.fr/accounting-phones.html",
        "https://shop.example.fr/index.php?id_product=12&controller=product",
    ],
)
def test_ordinary_shop_pages_are_not_traps(url: str) -> None:
    assert is_trap(url) is False


def test_discover_links_sorts_products_pagination_and_listings() -> None:
    html = """<html><head><link rel="next" href="/phones/page/2/"></head><body>
      <nav class="menu"><a href="/category/phones/">Phones</a><a href="/cart">Cart</a></nav>
      <ul><li class="product-card"><a href="/mini-x.html">Mini X</a></li>
          <li><a href="/product/bm10.html">BM10</a></li></ul>
      <div class="pagination"><a href="/phones/">1</a><a href="/phones/page/3/">Next</a></div>
      <a href="/phones/?sort=price">Sort</a><a href="https://other.example.com/product/y">Y</a>
      <a href="https://blog.example.fr/post">Blog</a><a href="#top">Top</a></body></html>"""
    links = discover_links(response("/phones/page/1/", html))
    assert links.products == [f"{BASE}/mini-x.html", f"{BASE}/product/bm10.html"]
    assert links.pagination == [f"{BASE}/phones/page/2/", f"{BASE}/phones/", f"{BASE}/phones/page/3/"]
    assert links.listings == [f"{BASE}/category/phones/", "https://blog.example.fr/post"]


@pytest.mark.parametrize(
    ("number", "variant", "external_id"),
    [
        (1, "jsonld", "TW-001"),
        (2, "microdata", "TW-002"),
        (6, "opengraph", "TW-006"),
        (3, "opengraph", url_id(f"{BASE}/mini-phone-03.html")),
    ],
)
def test_parse_product_page_reads_each_markup_variant(number: int, variant: str, external_id: str) -> None:
    routes = build_shop(BASE)
    path = f"/mini-phone-{number:02d}.html"
    if variant != "opengraph":
        path = "/product" + path
    item = parse_product_page(response(path, routes[path][1]))
    assert item is not None
    assert (item.marketplace, item.external_id, item.url, item.title, item.price, item.currency) == (
        "shop.example.fr",
        external_id,
        BASE + path,
        f"Mini phone model {number:02d}",
        Decimal(f"{20 + number}.90"),
        "EUR",
    )


@pytest.mark.parametrize("path", ["/", "/about.html", "/category/phones/", "/category/accessories/?page=2"])
def test_pages_that_are_not_products_give_no_listing(path: str) -> None:
    assert parse_product_page(response(path, build_shop(BASE)[path][1])) is None


def test_a_listing_of_microdata_product_tiles_is_not_a_product_page() -> None:
    tile = (
        '<div itemscope itemtype="https://schema.org/Product"><a itemprop="url" href="/p/{n}">'
        '<span itemprop="name">Phone {n}</span></a><div itemprop="offers" itemscope '
        'itemtype="https://schema.org/Offer"><meta itemprop="price" content="1{n}.00">'
        '<meta itemprop="priceCurrency" content="EUR"></div></div>'
    )
    html = "<html><body><h1>Phones</h1>" + "".join(tile.format(n=n) for n in range(3)) + "</body></html>"
    assert parse_product_page(response("/phones/", html)) is None


def test_arguments_need_a_start_url() -> None:
    with pytest.raises(SpiderArgumentError, match="give start_url=URL"):
        ShopSpider.validate_arguments({})


def test_arguments_reject_a_bad_url_and_convert_strings() -> None:
    with pytest.raises(SpiderArgumentError, match=r"start_url: Value error, not an http\(s\) URL: 'shop.fr'"):
        ShopSpider.validate_arguments({"start_url": "https://a.example.fr/,shop.fr"})
    args = ShopSpider.validate_arguments(
        {
            "start_url": "https://a.example.fr/x, https://b.example.fr",
            "max_depth": "2",
            "max_pages": "40",
            "follow_sitemaps": "false",
        }
    )
    assert (args.start_urls, args.max_depth, args.max_pages, args.follow_sitemaps) == (
        ("https://a.example.fr/x", "https://b.example.fr/"),
        2,
        40,
        False,
    )
    with pytest.raises(SpiderArgumentError, match="max_pages"):
        ShopSpider.validate_arguments({"start_url": "https://a.example.fr/", "max_pages": "0"})


def test_url_file_skips_comments_and_names_the_bad_line(tmp_path: Path) -> None:
    good = tmp_path / "shops.txt"
    good.write_text("# resellers\n\nhttps://a.example.fr/\n  https://b.example.com/shop  \n")
    spider = ShopSpider(start_urls_file=str(good), start_url="https://c.example.org/")
    assert spider.seeds == ["https://c.example.org/", "https://a.example.fr/", "https://b.example.com/shop"]
    assert spider.allowed_domains == ["example.com", "example.fr", "example.org"]
    bad = tmp_path / "bad.txt"
    bad.write_text("https://a.example.fr/\n# fine\nwww.example.fr/shop\n")
    with pytest.raises(SpiderArgumentError, match=rf"{bad}:3: not an http\(s\) URL: 'www.example.fr/shop'"):
        ShopSpider.validate_arguments({"start_urls_file": str(bad)})
    with pytest.raises(SpiderArgumentError, match="cannot read"):
        ShopSpider.validate_arguments({"start_urls_file": str(tmp_path / "missing.txt")})
