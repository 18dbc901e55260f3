"""The extension that keeps the objects a crawl builds at start-up out of garbage collection.

Before the first page, a thumbwatch crawl process holds about 200,000 objects that live as long
as it does: modules, the device catalog and the matcher's indexes, the ORM's metadata.
Every full collection of the cyclic garbage collector walked all of them again, and a first
crawl of the benchmark's sandbox ran about twenty of those (two to three seconds of a
half-minute crawl). When the spider opens, and every pipeline has built what it needs,
`matching.speedups.settle_heap` moves them to the permanent generation, which collections skip,
and has what the crawl allocates afterwards collected less often.
"""

from __future__ import annotations

import gc
import logging
from typing import TYPE_CHECKING, Self

from scrapy import signals

from matching.speedups import settle_heap

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class FreezeStartupHeap:
    """On ``spider_opened``: collect once, then freeze what survived (`settle_heap`)."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        return extension

    def spider_opened(self) -> None:
        gc.collect()
        frozen = settle_heap()
        self.stats.set_value("thumbwatch/gc/frozen_objects", frozen)
        logger.debug("froze %d start-up objects out of garbage collection", frozen)
