"""`SandboxSpider`: what the three sandbox spiders share (arguments, search paging, errbacks).

Arguments arrive as strings (``scrapy crawl -a``) and are validated by pydantic once, in
`validate_arguments`, which the CLI also calls before it spawns a crawl. A subclass names
its site and plugs in the site's pure parse functions; it never touches storage.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

import scrapy
from pydantic import BaseModel, ConfigDict, Field, field_validator
from scrapy.http import Response, TextResponse

from crawler.health import record_results_page
from crawler.items import ListingItem
from spiders.common import (
    ErrbackMixin,
    SpiderArgumentError,
    split_csv,
    text_response,
    validate_spider_arguments,
)
from spiders.parsing import SearchPage

__all__ = ["SandboxSpider", "SandboxSpiderArguments", "SpiderArgumentError", "default_queries"]


class SandboxSpiderArguments(BaseModel):
    """The arguments of a sandbox spider."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str = Field(description="http(s) URL of the sandbox root")
    queries: tuple[str, ...] | None = Field(
        default=None, description="comma-separated search terms; default: the catalog's")
    max_pages: int = Field(default=50, ge=1, description="result pages followed per query")

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value.strip().rstrip("/")

    @field_validator("queries", mode="before")
    @classmethod
    def _split_queries(cls, value: object) -> object:
        return split_csv(value)


def default_queries() -> tuple[str, ...]:
    """The catalog's search terms (imported late: matching is only needed for a real crawl)."""
    from crawler.catalog_store import active_catalog
    from matching import search_queries

    return tuple(search_queries(active_catalog()))


class SandboxSpider(ErrbackMixin, scrapy.Spider):
    """Searches one sandbox site for each query, follows result pages and item pages."""

    site: ClassVar[str]
    marketplace: ClassVar[str]
    # The sandbox is our own loopback server: no politeness delay or AutoThrottle. Spiders
    # for real sites keep the project's polite defaults from crawler.settings.
    custom_settings: ClassVar[dict[str, Any] | None] = {
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.arguments = self.validate_arguments(kwargs)
        super().__init__(*args)
        self.base_url = self.arguments.base_url
        self.max_pages = self.arguments.max_pages

    @classmethod
    def validate_arguments(cls, raw: Mapping[str, Any]) -> SandboxSpiderArguments:
        """Validated arguments, or `SpiderArgumentError` naming each bad one."""
        return validate_spider_arguments(cls.name, SandboxSpiderArguments, raw)

    def parse_search_page(self, response: TextResponse) -> SearchPage:
        """The site's pure search-page parser."""
        raise NotImplementedError

    def parse_item_page(self, response: TextResponse,
                        fetched_at: datetime | None = None) -> ListingItem:
        """The site's pure item-page parser."""
        raise NotImplementedError

    def request_meta(self) -> dict[str, Any]:
        """Extra ``Request.meta`` for every request (the JS spider asks for a browser)."""
        return {}

    def search_url(self, query: str, page: int = 1) -> str:
        return f"{self.base_url}/{self.site}/search?{urlencode({'q': query, 'page': page})}"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for query in self.arguments.queries or default_queries():
            yield self._search_request(self.search_url(query), page=1)

    def _search_request(self, url: str, page: int) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_search, errback=self.on_error,
                              cb_kwargs={"page": page}, meta=self.request_meta())

    def parse_search(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        result = self.parse_search_page(text_response(response))
        record_results_page(self.crawler.stats, len(result.item_urls))
        for url in result.item_urls:
            yield scrapy.Request(url, callback=self.parse_item, errback=self.on_error,
                                 meta=self.request_meta())
        if result.next_page_url and page < self.max_pages:
            yield self._search_request(result.next_page_url, page + 1)

    def parse_item(self, response: Response,
                   fetched_at: datetime | None = None) -> Iterator[ListingItem]:
        yield self.parse_item_page(text_response(response), fetched_at)
