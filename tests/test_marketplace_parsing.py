"""The marketplace parse functions on real saved pages (realpages/): values read off each page."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from spiders.errors import MalformedPage
from spiders.parsing import aliexpress, amazon, dhgate, ebay, leboncoin
from tests.marketplace_pages import real_page

ITEMS = [
    (
        ebay,
        "ebay/ebay_co_uk_item_143863282131.html",
        "https://www.ebay.co.uk/itm/143863282131",
        "ebay.co.uk",
        "143863282131",
        "Pony Cart Harness - Fit Up To 10/11 Hh - Used With Shetland Pony/Small Donkey",
        Decimal("115.0"),
        "GBP",
        "clipclopthriftshop",
    ),
    (
        ebay,
        "ebay/ebay_com_item_226771798286_2025.html",
        "https://www.ebay.com/itm/226771798286",
        "ebay.com",
        "226771798286",
        "NVIDIA GeForce RTX 5090 FE Founders Edition",
        Decimal("3971.45"),
        "USD",
        "salomon0651",
    ),
    (
        ebay,
        "ebay/ebay_fr_item_293565036718.html",
        "https://www.ebay.fr/itm/293565036718",
        "ebay.fr",
        "293565036718",
        "4x Duracell CR2032 3V Lithium Coin Cell Battery 2032 button DL2032. 066",
        Decimal("5.95"),
        "EUR",
        "hightowershop",
    ),
    # Listed on ebay.it by a UK seller, priced in pounds (itemprop priceCurrency GBP).
    (
        ebay,
        "ebay/ebay_it_item_133588510845.html",
        "https://www.ebay.it/itm/133588510845",
        "ebay.it",
        "133588510845",
        "Angel Teddy Bear",
        Decimal("12.99"),
        "GBP",
        "shaabasr",
    ),
    (
        amazon,
        "amazon/amazon_com_dp_B01GOH7PKA.html",
        "https://www.amazon.com/dp/B01GOH7PKA",
        "amazon.com",
        "B01GOH7PKA",
        "Gothamite 36-inch Rolling Duffle Bag with Wheels, Luggage Bag, Hockey Bag, XL Duffle Bag "
        "With Rollers, Heavy Duty Oversized Bag (Black)",
        Decimal("87.11"),
        "USD",
        "Gothamite",
    ),
    # "Derzeit nicht verfügbar": no price on the page.
    (
        amazon,
        "amazon/amazon_de_dp_B00BRMIU7A.html",
        "https://www.amazon.de/dp/B00BRMIU7A",
        "amazon.de",
        "B00BRMIU7A",
        "20 x Bamboo Wicker Geschenkkorb rund mittel, große, kleine, beige, SMALL= 14.5 cm DIA - 6 INCHES",
        None,
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("parser", "name", "url", "marketplace", "external_id", "title", "price", "currency", "seller"),
    ITEMS,
    ids=[row[1] for row in ITEMS],
)
def test_item_page(
    shared_dir: Path,
    parser,
    name: str,
    url: str,
    marketplace: str,
    external_id: str,
    title: str,
    price: Decimal | None,
    currency: str | None,
    seller: str | None,
) -> None:
    item = parser.parse_item_page(real_page(shared_dir, name, url), marketplace)
    assert (item.marketplace, item.external_id, item.url) == (marketplace, external_id, url)
    assert item.title == title
    assert (item.price, item.currency) == (price, currency)
    assert item.seller_name == seller


def test_amazon_fr_item(shared_dir: Path) -> None:
    url = "https://www.amazon.fr/dp/B082QBCYY8"
    item = amazon.parse_item_page(
        real_page(shared_dir, "amazon/amazon_fr_dp_B082QBCYY8.html", url), "amazon.fr"
    )
    assert item.external_id == "B082QBCYY8"
    assert item.title.startswith("PetSafe Siège de sécurité pour chiens Happy Ride – Pour voitures")
    assert (item.price, item.currency) == (Decimal("66.75"), "EUR")


def test_amazon_fr_seller(shared_dir: Path) -> None:
    url = "https://www.amazon.fr/dp/B082QBCYY8"
    item = amazon.parse_item_page(
        real_page(shared_dir, "amazon/amazon_fr_dp_B082QBCYY8.html", url), "amazon.fr"
    )
    assert item.seller_name == "Amazon"


ALIEXPRESS_ITEM = "https://he.aliexpress.com/item/32993251330.html"
ALIEXPRESS_TITLE = (
    "מקורי Apple iPhone SE סמארטפון נייד טלפון A9 Dual Core 2GB RAM 16/64GB ROM 4.0 "
    "''12MP טביעות אצבע 4G LTE Smartphone"
)


def test_aliexpress_item(shared_dir: Path) -> None:
    response = real_page(
        shared_dir, "aliexpress/aliexpress_he_item_32993251330_iphone_se.html", ALIEXPRESS_ITEM
    )
    item = aliexpress.parse_item_page(response, "aliexpress.com")
    assert (item.marketplace, item.external_id) == ("aliexpress.com", "32993251330")
    # The activity price range is "€ 97,39 - 128,72": the lowest price is kept.
    assert (item.price, item.currency) == (Decimal("97.39"), "EUR")
    assert item.seller_name == "Summer Technology Co.,Ltd."
    assert ALIEXPRESS_TITLE in item.title


def test_aliexpress_item_title_is_the_product_title(shared_dir: Path) -> None:
    response = real_page(
        shared_dir, "aliexpress/aliexpress_he_item_32993251330_iphone_se.html", ALIEXPRESS_ITEM
    )
    assert aliexpress.parse_item_page(response, "aliexpress.com").title == ALIEXPRESS_TITLE


DHGATE_URL = "https://ie.dhgate.com/product/skin-scraping-resin-guasha-massage-board/1087570533.html"
DHGATE_PAGE = "dhgate/dhgate_ie_item_1087570533_utf16le.html"


def test_dhgate_item_utf16(shared_dir: Path) -> None:
    item = dhgate.parse_item_page(real_page(shared_dir, DHGATE_PAGE, DHGATE_URL), "dhgate.com")
    assert (item.marketplace, item.external_id) == ("dhgate.com", "1087570533")
    assert (item.price, item.currency) == (Decimal("4.36"), "USD")
    assert item.seller_name == "xing07"
    assert item.title.startswith("Skin Scraping Resin Guasha Massage Board Face Eye SPA")


def test_dhgate_item_title_is_the_h1(shared_dir: Path) -> None:
    item = dhgate.parse_item_page(real_page(shared_dir, DHGATE_PAGE, DHGATE_URL), "dhgate.com")
    assert item.title == (
        "Skin Scraping Resin Guasha Massage Board Face Eye SPA Massager Plate for "
        "Body Meridian Neck Back Scalp Promote Blood Circulation 251204"
    )


SEARCHES = [
    (
        ebay,
        "ebay/ebay_com_search_nike_shoes_2026.html",
        "https://www.ebay.com/sch/i.html?_nkw=nike+shoes",
        60,
        "https://www.ebay.com/itm/225272243923",
        "https://www.ebay.com/itm/277716924443",
        "https://www.ebay.com/sch/i.html?_dcat=15709&_nkw=Nike+shoes&_pgn=2",
    ),
    (
        amazon,
        "amazon/amazon_es_search_god_of_war.html",
        "https://www.amazon.es/s?k=god+of+war",
        60,
        "https://www.amazon.es/dp/B0DQPWRJG5",
        "https://www.amazon.es/dp/B0F9F3FZ1W",
        "https://www.amazon.es/s?__mk_es_ES=%C3%85M%C3%85%C5%BD%C3%95%C3%91&crid=SDVPEOZOZCXT"
        "&k=God+of+War&page=2&qid=1762453943&ref=sr_pg_1&sprefix=god+of+war%2Caps%2C66&xpid=9Vor9isRFcPbd",
    ),
    (
        amazon,
        "amazon/amazon_in_search_cmf_buds_2a.html",
        "https://www.amazon.in/s?k=cmf+by+nothing+buds+2a",
        22,
        "https://www.amazon.in/dp/B0DNPZFSV4",
        "https://www.amazon.in/dp/B09BHXKNBB",
        "https://www.amazon.in/s?k=CMF+by+Nothing+Buds+2a&page=2&qid=1764188661&ref=sr_pg_1&xpid=ymqfsxCHocA78",
    ),
    (
        leboncoin,
        "leboncoin/leboncoin_search_voitures_toyota_camry_2024.html",
        "https://www.leboncoin.fr/f/voitures/brand--Toyota/model--Camry",
        35,
        "https://www.leboncoin.fr/ad/voitures/2615899319",
        "https://www.leboncoin.fr/ad/voitures/2607492685",
        "https://www.leboncoin.fr/f/voitures/brand--Toyota/model--Camry/p-2",
    ),
    (
        aliexpress,
        "aliexpress/aliexpress_ru_popular_naushniki.html",
        "https://aliexpress.ru/popular/наушники",
        42,
        "https://aliexpress.ru/item/1005008813973992.html",
        "https://aliexpress.ru/item/1005008667554902.html",
        None,
    ),
]


@pytest.mark.parametrize(
    ("parser", "name", "url", "count", "first", "last", "next_url"),
    SEARCHES,
    ids=[row[1] for row in SEARCHES],
)
def test_search_page(
    shared_dir: Path, parser, name: str, url: str, count: int, first: str, last: str, next_url: str | None
) -> None:
    page = parser.parse_search_page(real_page(shared_dir, name, url))
    assert len(page.item_urls) == count
    assert len({parser.external_id(u) for u in page.item_urls}) == count
    assert (page.item_urls[0], page.item_urls[-1]) == (first, last)
    assert page.next_page_url == next_url


SHELL = "aliexpress/aliexpress_es_js_shell_empty_runparams.html"
SHELL_URL = "https://es.aliexpress.com/item/1005006180026951.html"  # its og:url


def test_aliexpress_js_shell_gives_no_listing(shared_dir: Path) -> None:
    response = real_page(shared_dir, SHELL, SHELL_URL)
    assert aliexpress.parse_search_page(response).item_urls == []
    with pytest.raises(MalformedPage, match="JavaScript shell"):
        aliexpress.parse_item_page(response, "aliexpress.com")
