"""Spider for the sandbox's server-rendered marketplace ("bazaar")."""

from __future__ import annotations

from datetime import datetime

from scrapy.http import TextResponse

from crawler.items import ListingItem
from spiders.base import SandboxSpider
from spiders.parsing import SearchPage, bazaar


class SandboxBazaarSpider(SandboxSpider):
    name = "sandbox_bazaar"
    site = "bazaar"
    marketplace = "sandbox-bazaar"

    def parse_search_page(self, response: TextResponse) -> SearchPage:
        return bazaar.parse_search_page(response)

    def parse_item_page(self, response: TextResponse,
                        fetched_at: datetime | None = None) -> ListingItem:
        return bazaar.parse_item_page(response, self.marketplace, fetched_at)
