"""Spider for DHgate (dhgate.com and its language subdomains), a Chinese wholesale marketplace.

Listing ids are global, so every subdomain stores under the marketplace "dhgate.com".
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlencode

from spiders.marketplace import MarketplaceSpider
from spiders.parsing import dhgate


class DhgateSpider(MarketplaceSpider):
    name = "dhgate"
    site = "dhgate"
    parser = dhgate
    build_next_pages = True
    domain_locales: ClassVar[dict[str, str]] = {
        "dhgate.com": "intl", "fr.dhgate.com": "fr", "es.dhgate.com": "es",
        "de.dhgate.com": "de", "it.dhgate.com": "it", "pt.dhgate.com": "pt",
    }
    default_domains = ("dhgate.com",)

    @classmethod
    def search_url(cls, domain: str, query: str, page: int = 1) -> str:
        host = domain if domain.count(".") > 1 else f"www.{domain}"
        params = {"searchkey": query, **({"pageNum": page} if page > 1 else {})}
        return f"https://{host}/wholesale/search.do?{urlencode(params)}"

    @classmethod
    def marketplace_for(cls, domain: str) -> str:
        return "dhgate.com"
