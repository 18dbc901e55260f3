"""Spider for eBay's country sites (ebay.com, .co.uk, .fr, .de, .it, .es)."""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlencode

from spiders.marketplace import MarketplaceSpider
from spiders.parsing import ebay


class EbaySpider(MarketplaceSpider):
    name = "ebay"
    site = "ebay"
    parser = ebay
    domain_locales: ClassVar[dict[str, str]] = {
        "ebay.com": "en", "ebay.co.uk": "en", "ebay.fr": "fr",
        "ebay.de": "de", "ebay.it": "it", "ebay.es": "es",
    }

    @classmethod
    def search_url(cls, domain: str, query: str, page: int = 1) -> str:
        params = {"_nkw": query, **({"_pgn": page} if page > 1 else {})}
        return f"https://www.{domain}/sch/i.html?{urlencode(params)}"
