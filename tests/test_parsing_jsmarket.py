"""Parsing of sandbox "jsmarket" pages rendered by Chromium, and of the empty shell."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from spiders.errors import MalformedPage
from spiders.parsing.jsmarket import parse_item_page, parse_search_page

DATA = Path(__file__).parent / "data" / "sandbox"
BASE = "http://sandbox.test"
FETCHED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def page_response(name: str) -> HtmlResponse:
    path = json.loads((DATA / "pages.json").read_text(encoding="utf-8"))[name]
    return HtmlResponse(url=BASE + path, body=(DATA / name).read_bytes(), encoding="utf-8")


def test_rendered_search_page() -> None:
    page = parse_search_page(page_response("jsmarket_search_rendered.html"))
    assert len(page.item_urls) == 20
    assert page.item_urls[:2] == [
        f"{BASE}/jsmarket/item/4610741994701155",
        f"{BASE}/jsmarket/item/1461678945617893",
    ]
    assert page.item_urls[-1] == f"{BASE}/jsmarket/item/7608228139168030"
    assert page.next_page_url == f"{BASE}/jsmarket/search?page=2&q=mini"


def test_rendered_last_search_page() -> None:
    page = parse_search_page(page_response("jsmarket_search_p2_rendered.html"))
    assert len(page.item_urls) == 9
    assert page.item_urls[-1] == f"{BASE}/jsmarket/item/6706484878003084"
    assert page.next_page_url is None


def test_rendered_item_page() -> None:
    item = parse_item_page(page_response("jsmarket_item_rendered.html"), "sandbox-jsmarket", FETCHED)
    assert item.external_id == "9512678437394414"
    assert item.url == f"{BASE}/jsmarket/item/9512678437394414"
    assert item.title == "Tiny mobile phone, size of a lighter, 2G GSM unlocked"
    assert item.price == Decimal("25.49")
    assert item.currency == "GBP"
    assert item.seller_name == "Euro Outlet 84"
    assert item.seller_url == f"{BASE}/jsmarket/search?seller=euro_outlet84"
    assert item.image_urls == [f"{BASE}/jsmarket/img/9512678437394414/{n}.svg" for n in (1, 2)]
    assert item.ship_from == "United States"
    assert item.attributes == {
        "Brand": "Unbranded",
        "Network": "2G GSM",
        "Colour": "blue",
        "Condition": "New",
    }
    assert item.description == (
        "Plastic body, very low metal content.\nSize: 5.5 x 2.2 x 1.2 cm\nWeight: 16g\n"
        "Battery: 350 mAh\nNetwork: 2G GSM\nSIM: single SIM\nBody: plastic"
    )
    assert item.fetched_at == FETCHED


def test_the_served_shell_holds_no_listing() -> None:
    shell = page_response("jsmarket_item_shell.html")
    assert "Tiny mobile phone" not in shell.text
    with pytest.raises(MalformedPage, match="not rendered"):
        parse_item_page(shell, "sandbox-jsmarket")
    with pytest.raises(MalformedPage, match="not rendered"):
        parse_search_page(shell)
