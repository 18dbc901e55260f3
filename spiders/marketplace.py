"""`MarketplaceSpider`: what the real-marketplace spiders share (arguments, queries, paging).

A subclass names its site, its country domains with their locales, how a search URL is
built, and the site's pure parse module (``spiders/parsing/<site>.py``). For each domain it
searches the site's queries in the domain's language (`spiders.queries`), follows result
pages up to ``max_pages`` and every item page. Real sites keep the project's polite defaults
(robots.txt, AutoThrottle, delay per domain): subclasses never override them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import scrapy
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from scrapy.http import Response

from crawler.health import record_results_page
from crawler.items import ListingItem
from spiders.common import ErrbackMixin, split_csv, text_response, validate_spider_arguments
from spiders.queries import LOCALES, site_queries


class MarketplaceSpiderArguments(BaseModel):
    """The arguments of a marketplace spider (``-a name=value``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    domains: tuple[str, ...] | None = Field(
        default=None, description="comma-separated country domains; default: the spider's")
    queries: tuple[str, ...] | None = Field(
        default=None, description="comma-separated search terms, replacing the expanded ones")
    terms_file: Path | None = Field(default=None, description="YAML/TOML file of terms per locale")
    locale: str | None = Field(default=None, description="term locale; default: each domain's")
    max_pages: int = Field(default=5, ge=1, description="result pages followed per query")
    max_queries: int | None = Field(default=None, ge=1, description="queries kept per domain")

    @field_validator("domains", mode="before")
    @classmethod
    def _known_domains(cls, value: object, info: ValidationInfo) -> object:
        parts = split_csv(value)
        context = info.context or {}
        known: tuple[str, ...] = context.get("known_domains", ())
        site: str = context.get("site", "")
        if not isinstance(parts, tuple) or not known:
            return parts
        domains = []
        for part in parts:
            domain = part.lower().removeprefix("www.")
            if domain not in known and f"{site}.{domain}" in known:
                domain = f"{site}.{domain}"  # "co.uk" for "ebay.co.uk"
            if domain not in known:
                raise ValueError(f"unknown domain {part!r} (known: {', '.join(known)})")
            domains.append(domain)
        return tuple(dict.fromkeys(domains))

    @field_validator("queries", mode="before")
    @classmethod
    def _split_queries(cls, value: object) -> object:
        return split_csv(value)

    @field_validator("terms_file")
    @classmethod
    def _readable(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str | None) -> str | None:
        if value is not None and value not in LOCALES:
            raise ValueError(f"unknown locale {value!r} (known: {', '.join(sorted(LOCALES))})")
        return value


@cache
def _catalog_queries(locale: str, terms_file: Path | None, limit: int | None) -> tuple[str, ...]:
    from crawler.catalog_store import active_catalog

    catalog = active_catalog()
    return tuple(site_queries(catalog, locale, limit=limit, terms_file=terms_file))


class MarketplaceSpider(ErrbackMixin, scrapy.Spider):
    """Searches a real marketplace on each of its domains, follows result and item pages."""

    site: ClassVar[str]
    # Every domain the spider knows, with the locale of its search terms; insertion order is
    # the default crawl order.
    domain_locales: ClassVar[dict[str, str]]
    default_domains: ClassVar[tuple[str, ...] | None] = None  # None: all of them
    parser: ClassVar[ModuleType]  # spiders.parsing.<site>
    # Sites whose next-page link is unknown or script-made: page N+1 is built from the query.
    build_next_pages: ClassVar[bool] = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.arguments = self.validate_arguments(kwargs)
        super().__init__(*args)
        self.domains = self.arguments.domains or self.default_domains or tuple(self.domain_locales)
        self.max_pages = self.arguments.max_pages

    @classmethod
    def validate_arguments(cls, raw: Mapping[str, Any]) -> MarketplaceSpiderArguments:
        """Validated arguments, or `SpiderArgumentError` naming each bad one."""
        return validate_spider_arguments(cls.name, MarketplaceSpiderArguments, raw,
                                         context={"known_domains": tuple(cls.domain_locales),
                                                  "site": cls.site})

    @classmethod
    def search_url(cls, domain: str, query: str, page: int = 1) -> str:
        """The URL of result page ``page`` for ``query`` on ``domain``."""
        raise NotImplementedError

    @classmethod
    def marketplace_for(cls, domain: str) -> str:
        """The marketplace slug listings from ``domain`` are stored under."""
        return domain

    def locale_for(self, domain: str) -> str:
        return self.arguments.locale or self.domain_locales[domain]

    def queries_for(self, domain: str) -> tuple[str, ...]:
        if self.arguments.queries:
            return self.arguments.queries
        return _catalog_queries(self.locale_for(domain), self.arguments.terms_file,
                                self.arguments.max_queries)

    def request_meta(self) -> dict[str, Any]:
        """Extra ``Request.meta`` for every request (a browser for script-rendered sites)."""
        return {}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for domain in self.domains:
            for query in self.queries_for(domain):
                yield self._search_request(domain, query, 1, self.search_url(domain, query))

    def _search_request(self, domain: str, query: str, page: int, url: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_search, errback=self.on_error,
                              meta=self.request_meta(),
                              cb_kwargs={"domain": domain, "query": query, "page": page})

    def parse_search(self, response: Response, domain: str, query: str,
                     page: int) -> Iterator[scrapy.Request]:
        result = self.parser.parse_search_page(text_response(response))
        record_results_page(self.crawler.stats, len(result.item_urls))
        for url in result.item_urls:
            yield scrapy.Request(url, callback=self.parse_item, errback=self.on_error,
                                 meta=self.request_meta(),
                                 cb_kwargs={"marketplace": self.marketplace_for(domain)})
        if page >= self.max_pages:
            return
        next_url = result.next_page_url
        if next_url is None and self.build_next_pages and result.item_urls:
            next_url = self.search_url(domain, query, page + 1)
        if next_url:
            yield self._search_request(domain, query, page + 1, next_url)

    def parse_item(self, response: Response, marketplace: str) -> Iterator[ListingItem]:
        yield self.parser.parse_item_page(text_response(response), marketplace)
