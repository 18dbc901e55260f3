"""Parsing of saved sandbox "shop" pages: JSON-LD Product first, HTML second."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from spiders.errors import MalformedPage
from spiders.parsing.shop import parse_item_page, parse_search_page, product_json_ld

DATA = Path(__file__).parent / "data" / "sandbox"
BASE = "http://sandbox.test"
FETCHED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PRODUCT = "new-gtstar-bm50-thumb-phone-2g-gsm-white-tw3628314"


def page_response(name: str, body: bytes | None = None) -> HtmlResponse:
    path = json.loads((DATA / "pages.json").read_text(encoding="utf-8"))[name]
    return HtmlResponse(url=BASE + path, body=body or (DATA / name).read_bytes(), encoding="utf-8")


def test_search_page_tiles_and_next_link() -> None:
    page = parse_search_page(page_response("shop_search.html"))
    assert len(page.item_urls) == 12
    assert page.item_urls[0] == (f"{BASE}/shop/product/neuf-gtstar-bm50-mini-telephone-gsm-2g-bleu-tw9509526")
    assert page.item_urls[-1] == (f"{BASE}/shop/product/samsung-galaxy-s4-mini-8gb-white-unlocked-tw4556509")
    assert page.next_page_url == f"{BASE}/shop/search?page=2&q=mini"


def test_category_page_without_next() -> None:
    page = parse_search_page(page_response("shop_category.html"))
    assert page.item_urls == [
        f"{BASE}/shop/product/batterie-externe-rouge-a-levres-2600-mah-tw9962454",
        f"{BASE}/shop/product/key-fob-spy-camera-1080p-mini-camera-keychain-tw5322878",
        f"{BASE}/shop/product/cable-de-charge-usb-c-1-m-tw8822482",
    ]
    assert page.next_page_url is None


def test_product_page_fields() -> None:
    item = parse_item_page(page_response("shop_product.html"), "sandbox-shop", FETCHED)
    assert item.external_id == "TW3628314"
    assert item.url == f"{BASE}/shop/product/{PRODUCT}"
    assert item.title == "New GTStar BM50 thumb phone 2G GSM white"
    assert item.price == Decimal("17.49")
    assert item.currency == "GBP"
    assert item.seller_name == "Mini Market 544"
    assert item.seller_url is None
    assert item.image_urls == [f"{BASE}/shop/media/{PRODUCT}-{n}.png" for n in (1, 2, 3)]
    assert item.ship_from == "United Kingdom"
    assert item.attributes == {
        "Brand": "GTStar",
        "Model": "GTStar BM50",
        "Network": "GSM",
        "Colour": "white",
        "Condition": "New",
    }
    assert item.description == (
        "Brand new GTStar BM50, unlocked, works with any SIM card.\nModel: GTStar BM50\n"
        "Network: GSM\nSIM: single SIM\nFeatures: Bluetooth earphone dialer, ear hook, "
        "hands-free\nUndetectable by metal detectors."
    )
    assert item.fetched_at == FETCHED


def test_json_ld_product_node() -> None:
    product = product_json_ld(page_response("shop_product.html"))
    assert product["offers"]["price"] == "17.49"
    assert product["offers"]["availability"] == "https://schema.org/InStock"
    assert product["brand"] == {"@type": "Brand", "name": "GTStar"}


def test_html_fallback_when_json_ld_is_missing() -> None:
    html = (DATA / "shop_product.html").read_text(encoding="utf-8")
    start = html.index('<script type="application/ld+json">')
    stripped = html[:start] + html[html.index("</script>", start) + 9 :]
    item = parse_item_page(page_response("shop_product.html", stripped.encode()), "sandbox-shop")
    assert item.title == "New GTStar BM50 thumb phone 2G GSM white"
    assert item.external_id == "TW3628314"
    assert (item.price, item.currency) == (Decimal("17.49"), "GBP")
    assert item.seller_name == "Mini Market 544"
    assert item.attributes["Model"] == "GTStar BM50"


def test_product_without_name_is_malformed() -> None:
    html = (DATA / "shop_product.html").read_text(encoding="utf-8")
    html = html.replace('"name": "New GTStar BM50 thumb phone 2G GSM white", ', "")
    start = html.index('<h1 class="product-title">')
    html = html[:start] + html[html.index("</h1>", start) + 5 :]
    with pytest.raises(MalformedPage, match="no product name"):
        parse_item_page(page_response("shop_product.html", html.encode()), "sandbox-shop")
