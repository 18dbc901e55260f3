"""Item pipelines: normalise -> match -> store.

Spiders only parse; these components clean each `ListingItem`, score it against the device
catalog and write it to the database. The store step never blocks the reactor: items are
gathered into small batches (`crawler.batching.Batcher`) and written by one worker thread,
each batch one transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

from scrapy.exceptions import DropItem, NotConfigured

from crawler.batching import Batcher
from crawler.failures import record_error
from crawler.health import record_item_fields
from crawler.items import ListingItem
from crawler.normalise import canonical_url, clean_text, normalise_currency
from storage.db import session_factory, upgrade_database
from storage.repository import StoreSummary, store_listings

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class NormaliseListingPipeline:
    """Clean text, canonicalise the URL and currency; drop items that cannot be stored."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ListingItem):
            return item
        item.title = clean_text(item.title)
        item.external_id = clean_text(item.external_id)
        problem = self._problem(item)
        if problem:
            record_error(self.stats, "invalid_item", item.url, problem)
            raise DropItem(f"{problem} at {item.url}")
        item.url = canonical_url(item.url)
        item.description = (item.description or "").strip()
        item.currency = normalise_currency(item.currency)
        item.seller_name = clean_text(item.seller_name) or None
        item.attributes = {clean_text(k): clean_text(v) for k, v in item.attributes.items()}
        item.image_urls = list(dict.fromkeys(u.strip() for u in item.image_urls if u.strip()))
        item.fetched_at = item.fetched_at.astimezone(UTC)
        record_item_fields(self.stats, item)
        return item

    @staticmethod
    def _problem(item: ListingItem) -> str | None:
        if not item.title:
            return "listing without a title"
        if not item.external_id:
            return "listing without an external id"
        if item.fetched_at.tzinfo is None:
            return "fetched_at is not timezone-aware"
        if item.price is not None and (not item.price.is_finite() or item.price < Decimal(0)):
            return f"impossible price {item.price}"
        return None


class MatchListingPipeline:
    """Score each listing against the device catalog (sets ``item.match``)."""

    def __init__(self, crawler: Crawler) -> None:
        from crawler.catalog_store import active_matcher

        self.stats = crawler.stats
        self.matcher = active_matcher()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ListingItem):
            return item
        item.match = self.matcher.score_listing(item.title, item.description, item.attributes)
        self.stats.inc_value("thumbwatch/items_matched")
        if item.match.flagged:
            self.stats.inc_value("thumbwatch/items_flagged")
        return item


class StoreListingPipeline:
    """Write listings, snapshots and hits idempotently, off the reactor thread."""

    def __init__(self, crawler: Crawler, database_url: str, batch_size: int, delay: float) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.database_url = database_url
        self.batch_size = batch_size
        self.delay = delay
        self._executor: ThreadPoolExecutor | None = None
        self._batcher: Batcher[ListingItem, None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        url = crawler.settings.get("THUMBWATCH_DATABASE_URL")
        if not url:
            raise NotConfigured("THUMBWATCH_DATABASE_URL is not set")
        return cls(
            crawler,
            url,
            crawler.settings.getint("THUMBWATCH_STORE_BATCH_SIZE", 200),
            crawler.settings.getfloat("THUMBWATCH_STORE_BATCH_DELAY", 0.25),
        )

    def open_spider(self) -> None:
        engine = upgrade_database(self.database_url)
        self._sessions = session_factory(engine)
        # One writer thread: SQLite allows one writer at a time anyway, and ordering
        # per process keeps the upserts' "later observation wins" rule simple.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="thumbwatch-store")
        self._batcher = Batcher(self._write_in_thread, self.batch_size, self.delay)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ListingItem):
            return item
        assert self._batcher is not None
        try:
            await self._batcher.submit(item)
        except Exception as exc:
            record_error(self.stats, "store", item.url, repr(exc))
            raise DropItem(f"could not store {item.url}: {exc!r}") from exc
        return item

    async def _write_in_thread(self, items: list[ListingItem]) -> list[BaseException | None]:
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._write, items)

    def _write(self, items: Sequence[ListingItem]) -> list[BaseException | None]:
        """Runs in the writer thread: the batch in one transaction, or item by item on error."""
        run_id = self.stats.get_value("thumbwatch/crawl_run_id")
        try:
            with self._sessions.begin() as session:
                self._count(store_listings(session, items, run_id))
            return [None] * len(items)
        except Exception:
            logger.warning("batch of %d listings failed; storing them one by one", len(items))
        outcomes: list[BaseException | None] = []
        for item in items:
            try:
                with self._sessions.begin() as session:
                    self._count(store_listings(session, [item], run_id))
                outcomes.append(None)
            except Exception as exc:
                logger.error("could not store listing %s: %r", item.url, exc)
                outcomes.append(exc)
        return outcomes

    def _count(self, summary: StoreSummary) -> None:
        self.stats.inc_value("thumbwatch/items_stored", summary.listings)
        self.stats.inc_value("thumbwatch/snapshots_created", summary.snapshots_created)
        self.stats.inc_value("thumbwatch/hits_stored", summary.hits_written)

    async def close_spider(self) -> None:
        if self._batcher is not None:
            await self._batcher.drain()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
