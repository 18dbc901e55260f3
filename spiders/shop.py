"""`ShopSpider` (``shop``): finds the product pages of standalone web shops, such as resellers'.

Discovery starts at the given URLs and, unless ``follow_sitemaps=false``, at each site's
robots.txt ``Sitemap:`` lines and ``/sitemap.xml`` (indexes and gzip handled by Scrapy's
sitemap utilities). From every fetched page it follows product candidates, pagination and
category links on the start URLs' registered domains, never trap URLs (cart, login, account,
facets, sessions, media: see `spiders.parsing.shop_generic.is_trap`). A page is stored only
when its schema.org Product markup or product meta tags say it is a product.

Limits: ``max_depth`` link hops from a start URL (pagination pages are siblings of the page
that links them, so a long listing costs pages, not depth; sitemap entries count one hop) and
``max_pages`` requests in all, robots.txt and sitemaps included. It keeps the project's polite
defaults (robots.txt, AutoThrottle, a delay per domain): it crawls real shops.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse, XmlResponse
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.python.failure import Failure

from crawler.failures import record_request_failure
from crawler.health import record_results_page
from crawler.items import ListingItem
from crawler.normalise import canonical_url
from extraction import extract_page
from spiders.parsing.shop_generic import (
    discover_links,
    is_trap,
    on_domains,
    parse_product_page,
    registered_domain,
)
from spiders.shop_arguments import ShopSpiderArguments, validate_shop_arguments

logger = logging.getLogger(__name__)

# A shop's own dead links and a missing /sitemap.xml are facts about the shop, not failures of
# the crawl: they are counted, not recorded as errors that would mark the run degraded.
_GONE = [404, 410]
STATS = "thumbwatch/shop/"


class ShopSpider(scrapy.Spider):
    """Crawls one or more web shops for their product pages."""

    name = "shop"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.arguments = self.validate_arguments(kwargs)
        super().__init__(*args)
        self.seeds = list(self.arguments.start_urls)
        self.domains = frozenset(registered_domain(url) for url in self.seeds)
        # OffsiteMiddleware enforces the same boundary for any request that slips through.
        self.allowed_domains = sorted(self.domains)
        self.max_depth = self.arguments.max_depth
        self.max_pages = self.arguments.max_pages
        self._requested: set[str] = set()

    @classmethod
    def validate_arguments(cls, raw: Mapping[str, Any]) -> ShopSpiderArguments:
        """Validated arguments, or `SpiderArgumentError` naming each bad one."""
        return validate_shop_arguments(cls.name, raw)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.seeds:
            if (request := self._request(url, self.parse_page, depth=0, seed=True)) is not None:
                yield request
        if not self.arguments.follow_sitemaps:
            return
        roots = dict.fromkeys(f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" for url in self.seeds)
        for root in roots:
            for request in (self._request(f"{root}/robots.txt", self.parse_robots, depth=0, probe=True),
                            self._request(f"{root}/sitemap.xml", self.parse_sitemap, depth=0, probe=True)):
                if request is not None:
                    yield request

    def _request(self, url: str, callback: Any, depth: int, priority: int = 0,
                 seed: bool = False, probe: bool = False) -> scrapy.Request | None:
        """A request within the shop's bounds, or None (seen, trap, off-domain, over a limit)."""
        if url in self._requested or depth > self.max_depth:
            return None
        if not probe and not seed and (is_trap(url) or not on_domains(url, self.domains)):
            return None
        if len(self._requested) >= self.max_pages:
            if not self.crawler.stats.get_value(f"{STATS}page_limit_reached"):
                logger.info("shop crawl reached max_pages=%d; not following %s", self.max_pages, url)
            self.crawler.stats.set_value(f"{STATS}page_limit_reached", 1)
            return None
        self._requested.add(url)
        meta: dict[str, Any] = {"shop_depth": depth}
        if not seed:
            meta["handle_httpstatus_list"] = _GONE
        return scrapy.Request(url, callback=callback, errback=self.on_error, priority=priority,
                              meta=meta, dont_filter=seed)

    def _gone(self, response: Response) -> bool:
        if response.status in _GONE:
            self.crawler.stats.inc_value(f"{STATS}not_found")
            logger.info("not found (%d): %s", response.status, response.url)
            return True
        return False

    def parse_page(self, response: Response) -> Iterator[ListingItem | scrapy.Request]:
        if self._gone(response) or not isinstance(response, TextResponse):
            return
        depth = int(response.meta.get("shop_depth", 0))
        page = extract_page(response.text, response.url)
        item = parse_product_page(response, page=page)
        if item is not None:
            self.crawler.stats.inc_value(f"{STATS}product_pages")
            yield item
        links = discover_links(response, page, self.domains)
        if item is None and links.products:
            record_results_page(self.crawler.stats, len(links.products))
        # Products first, then the rest of this listing, then new categories and pages.
        for urls, next_depth, priority in ((links.products, depth + 1, 20),
                                           (links.pagination, depth, 10),
                                           (links.listings, depth + 1, 0)):
            for url in urls:
                if (request := self._request(url, self.parse_page, next_depth, priority)) is not None:
                    yield request

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        if self._gone(response) or not isinstance(response, TextResponse):
            return
        for url in sitemap_urls_from_robots(response.text, base_url=response.url):
            if (request := self._sitemap_request(url)) is not None:
                yield request

    def _sitemap_request(self, url: str) -> scrapy.Request | None:
        if not on_domains(url, self.domains):
            return None
        return self._request(url, self.parse_sitemap, depth=0, priority=30, probe=True)

    def _sitemap_body(self, response: Response) -> bytes | None:
        """The sitemap XML of `response`, gunzipped if need be; None if it is not a sitemap."""
        if isinstance(response, XmlResponse):
            return response.body
        if gzip_magic_number(response):
            try:
                return gunzip(response.body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            except Exception:  # a corrupt or oversized archive: the sitemap is skipped, not the crawl
                logger.warning("could not gunzip sitemap %s", response.url)
                return None
        if response.url.split("?")[0].endswith((".xml", ".xml.gz")):
            return response.body
        return None

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        if self._gone(response):
            return
        body = self._sitemap_body(response)
        if body is None:
            logger.warning("not a sitemap: %s", response.url)
            return
        sitemap = Sitemap(body)
        locs = [canonical_url(entry["loc"].strip()) for entry in sitemap if entry.get("loc")]
        if sitemap.type == "sitemapindex":
            requests = (self._sitemap_request(url) for url in locs)
        elif sitemap.type == "urlset":
            self.crawler.stats.inc_value(f"{STATS}sitemap_urls", len(locs))
            requests = (self._request(url, self.parse_page, depth=1, priority=20) for url in locs)
        else:
            return
        yield from (request for request in requests if request is not None)

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        record_request_failure(self.crawler.stats, failure, request.url if request is not None else "")
