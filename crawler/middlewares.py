"""Spider middleware that keeps a crawl going past pages it cannot parse.

A parse function raising `MalformedPage` (a required field is missing) or any other error is
logged with the page's URL and counted in the run's stats; the rest of the crawl carries on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Self

from spiders.errors import MalformedPage

from crawler.failures import record_error

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class MalformedPageMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_spider_exception(self, response: Response, exception: Exception) -> Iterable[Any]:
        if isinstance(exception, MalformedPage):
            record_error(self.stats, "malformed_page", response.url, str(exception))
            logger.warning("malformed page %s: %s", response.url, exception)
        else:
            record_error(self.stats, "parse_error", response.url, repr(exception))
            logger.error(
                "error parsing %s",
                response.url,
                exc_info=(type(exception), exception, exception.__traceback__),
            )
        return []
