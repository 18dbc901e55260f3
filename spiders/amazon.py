"""Spider for Amazon's country sites (amazon.com, .co.uk, .fr, .de, .it, .es)."""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlencode

from spiders.marketplace import MarketplaceSpider
from spiders.parsing import amazon


class AmazonSpider(MarketplaceSpider):
    name = "amazon"
    site = "amazon"
    parser = amazon
    domain_locales: ClassVar[dict[str, str]] = {
        "amazon.com": "en", "amazon.co.uk": "en", "amazon.fr": "fr",
        "amazon.de": "de", "amazon.it": "it", "amazon.es": "es",
    }

    @classmethod
    def search_url(cls, domain: str, query: str, page: int = 1) -> str:
        params = {"k": query, **({"page": page} if page > 1 else {})}
        return f"https://www.{domain}/s?{urlencode(params)}"
