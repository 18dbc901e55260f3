"""Parsing of saved sandbox "bazaar" pages (tests/data/sandbox/, saved by save_pages.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from spiders.errors import MalformedPage
from spiders.parsing.bazaar import parse_item_page, parse_search_page

DATA = Path(__file__).parent / "data" / "sandbox"
BASE = "http://sandbox.test"
FETCHED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def page_response(name: str, body: bytes | None = None) -> HtmlResponse:
    path = json.loads((DATA / "pages.json").read_text(encoding="utf-8"))[name]
    return HtmlResponse(url=BASE + path, body=body or (DATA / name).read_bytes(), encoding="utf-8")


def test_search_page_lists_twenty_cards_and_the_next_page() -> None:
    page = parse_search_page(page_response("bazaar_search_p1.html"))
    assert len(page.item_urls) == 20
    assert page.item_urls[:2] == [f"{BASE}/bazaar/item/755745774680", f"{BASE}/bazaar/item/485649182654"]
    assert page.item_urls[-1] == f"{BASE}/bazaar/item/852667746456"
    assert page.next_page_url == f"{BASE}/bazaar/search?page=2&q=mini+phone"


def test_last_search_page_has_no_next_page() -> None:
    page = parse_search_page(page_response("bazaar_search_p2.html"))
    assert len(page.item_urls) == 5
    assert page.item_urls[-1] == f"{BASE}/bazaar/item/886848456849"
    assert page.next_page_url is None


def test_item_page_fields() -> None:
    item = parse_item_page(page_response("bazaar_item.html"), "sandbox-bazaar", FETCHED)
    assert item.marketplace == "sandbox-bazaar"
    assert item.external_id == "132712250873"
    assert item.url == f"{BASE}/bazaar/item/132712250873"
    assert item.title == "Neuf ZANCO Tiny T2 téléphone miniature GSM 2G doré"
    assert item.fetched_at == FETCHED
    assert item.price == Decimal("60.99")
    assert item.currency == "EUR"
    assert item.seller_name == "Tech Shop 337"
    assert item.seller_url == f"{BASE}/bazaar/seller/tech_shop337"
    assert item.image_urls == [f"{BASE}/bazaar/img/132712250873-{n}.png" for n in (1, 2, 3)]
    assert item.ship_from == "China"
    assert item.attributes == {
        "Brand": "Zanco",
        "Model": "ZANCO Tiny T2",
        "Network": "3G",
        "Colour": "doré",
        "Condition": "Neuf",
    }
    assert item.description == (
        "ZANCO Tiny T2 neuf, débloqué, fonctionne avec toute carte SIM.\n"
        "Modèle : ZANCO Tiny T2\nDimensions : 61×30×16,5 mm\nPoids : 31 g\n"
        "Batterie : 500 mAh\nRéseau : 3G\nCarte SIM : une seule\n"
        'Écran : 1" TFT 128×96\nCoque en plastique, quasiment sans métal.'
    )


def test_fetched_at_defaults_to_now_in_utc() -> None:
    before = datetime.now(UTC)
    item = parse_item_page(page_response("bazaar_item.html"), "sandbox-bazaar")
    assert before <= item.fetched_at <= datetime.now(UTC)


def test_item_page_without_title_is_malformed() -> None:
    html = (DATA / "bazaar_item.html").read_text(encoding="utf-8")
    start = html.index('<h1 class="item-title">')
    broken = html[:start] + html[html.index("</h1>", start) + 5 :]
    with pytest.raises(MalformedPage, match="no title"):
        parse_item_page(page_response("bazaar_item.html", broken.encode()), "sandbox-bazaar")
