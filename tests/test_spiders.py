"""The sandbox spiders: argument validation, start requests, paging and the JS meta."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import scrapy
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.items import ListingItem
from spiders.base import SandboxSpider, SpiderArgumentError
from spiders.sandbox_bazaar import SandboxBazaarSpider
from spiders.sandbox_jsmarket import SandboxJsMarketSpider
from spiders.sandbox_shop import SandboxShopSpider

DATA = Path(__file__).parent / "data" / "sandbox"
BASE = "http://sandbox.test"


def page_response(name: str) -> HtmlResponse:
    path = json.loads((DATA / "pages.json").read_text(encoding="utf-8"))[name]
    return HtmlResponse(url=BASE + path, body=(DATA / name).read_bytes(), encoding="utf-8")


def make(spider_cls: type[SandboxSpider], **kwargs: str) -> SandboxSpider:
    crawler = get_crawler(spider_cls)
    return spider_cls.from_crawler(crawler, **kwargs)


def test_validated_arguments() -> None:
    args = SandboxBazaarSpider.validate_arguments(
        {"base_url": "http://127.0.0.1:8800/", "queries": " mini phone, ,bm10 ", "max_pages": "3"}
    )
    assert args.base_url == "http://127.0.0.1:8800"
    assert args.queries == ("mini phone", "bm10")
    assert args.max_pages == 3


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "base_url: Field required"),
        ({"base_url": "ftp://host"}, "base_url: Value error, must be an http(s) URL"),
        ({"base_url": "http://h", "max_pages": "0"}, "max_pages: Input should be greater"),
        ({"base_url": "http://h", "max_pages": "many"}, "max_pages: Input should be a valid"),
        ({"base_url": "http://h", "queries": " , "}, "queries: Value error, must name"),
        ({"base_url": "http://h", "max_page": "2"}, "max_page: Extra inputs"),
    ],
)
def test_invalid_arguments(raw: dict[str, str], message: str) -> None:
    with pytest.raises(SpiderArgumentError, match="invalid arguments for spider sandbox_bazaar") as error:
        SandboxBazaarSpider.validate_arguments(raw)
    assert message in str(error.value)


def test_spider_init_rejects_bad_arguments() -> None:
    with pytest.raises(SpiderArgumentError):
        make(SandboxShopSpider, base_url="not a url")


def test_names_and_marketplaces() -> None:
    assert [
        (c.name, c.marketplace) for c in (SandboxBazaarSpider, SandboxJsMarketSpider, SandboxShopSpider)
    ] == [
        ("sandbox_bazaar", "sandbox-bazaar"),
        ("sandbox_jsmarket", "sandbox-jsmarket"),
        ("sandbox_shop", "sandbox-shop"),
    ]


def test_start_sends_one_search_per_query() -> None:
    spider = make(SandboxShopSpider, base_url=BASE, queries="mini phone,bm10")

    async def collect() -> list[scrapy.Request]:
        return [request async for request in spider.start()]

    requests = asyncio.run(collect())
    assert [r.url for r in requests] == [
        f"{BASE}/shop/search?q=mini+phone&page=1",
        f"{BASE}/shop/search?q=bm10&page=1",
    ]
    assert all(r.errback == spider.on_error for r in requests)


def test_search_page_follows_items_and_stops_at_max_pages() -> None:
    spider = make(SandboxBazaarSpider, base_url=BASE, queries="mini phone", max_pages="2")
    response = page_response("bazaar_search_p1.html")
    first = list(spider.parse_search(response, page=1))
    assert len(first) == 21
    assert first[-1].url == f"{BASE}/bazaar/search?page=2&q=mini+phone"
    assert first[-1].cb_kwargs == {"page": 2}
    assert len(list(spider.parse_search(response, page=2))) == 20


def test_item_callback_yields_a_listing_item() -> None:
    spider = make(SandboxBazaarSpider, base_url=BASE)
    (item,) = list(spider.parse_item(page_response("bazaar_item.html")))
    assert isinstance(item, ListingItem)
    assert (item.marketplace, item.external_id) == ("sandbox-bazaar", "132712250873")


def test_jsmarket_requests_go_through_the_browser() -> None:
    crawler = get_crawler(SandboxJsMarketSpider, {"DOWNLOAD_TIMEOUT": 2})
    spider = SandboxJsMarketSpider.from_crawler(crawler, base_url=BASE, queries="mini")
    meta = spider.request_meta()
    assert meta["playwright"] is True
    assert meta["playwright_page_goto_kwargs"] == {"timeout": 2000.0}
    (method,) = meta["playwright_page_methods"]
    assert (method.method, method.args) == ("wait_for_selector", ("body[data-state]",))
    assert "scrapy_playwright" in SandboxJsMarketSpider.custom_settings["DOWNLOAD_HANDLERS"]["http"]
