"""Spider for Leboncoin (leboncoin.fr), France's classifieds site."""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlencode

from spiders.marketplace import MarketplaceSpider
from spiders.parsing import leboncoin


class LeboncoinSpider(MarketplaceSpider):
    name = "leboncoin"
    site = "leboncoin"
    parser = leboncoin
    domain_locales: ClassVar[dict[str, str]] = {"leboncoin.fr": "fr"}

    @classmethod
    def search_url(cls, domain: str, query: str, page: int = 1) -> str:
        params = {"text": query, **({"page": page} if page > 1 else {})}
        return f"https://www.{domain}/recherche?{urlencode(params)}"
