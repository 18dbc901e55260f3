"""Spider for the sandbox's web shop (schema.org Product JSON-LD)."""

from __future__ import annotations

from datetime import datetime

from scrapy.http import TextResponse

from crawler.items import ListingItem
from spiders.base import SandboxSpider
from spiders.parsing import SearchPage, shop


class SandboxShopSpider(SandboxSpider):
    name = "sandbox_shop"
    site = "shop"
    marketplace = "sandbox-shop"

    def parse_search_page(self, response: TextResponse) -> SearchPage:
        return shop.parse_search_page(response)

    def parse_item_page(self, response: TextResponse,
                        fetched_at: datetime | None = None) -> ListingItem:
        return shop.parse_item_page(response, self.marketplace, fetched_at)
