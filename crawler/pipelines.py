"""Item pipelines: normalise -> match -> store.

Spiders only parse; these components clean each `ListingItem`, score it against the device
catalog and write it to the database. The store step never blocks the reactor: items are
gathered into small batches (`crawler.batching.Batcher`) and written by a worker process
(`crawler.worker_process`), each batch one transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

from scrapy.exceptions import DropItem, NotConfigured

from crawler.batching import Batcher
from crawler.failures import record_error
from crawler.health import ItemFieldCounter
from crawler.items import ListingItem
from crawler.normalise import canonical_url, clean_text, normalise_currency
from crawler.worker_process import WorkerProcess
from storage.db import upgrade_database, worker_sessions
from storage.repository import StoreSummary, store_listings

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class NormaliseListingPipeline:
    """Clean text, canonicalise the URL and currency; drop items that cannot be stored."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.fields = ItemFieldCounter(crawler.stats)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def close_spider(self) -> None:
        self.fields.flush()

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
        self.fields.record(item)
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


@dataclass(frozen=True)
class StoredBatch:
    """What `store_listing_batch` did with each listing of a batch, in order."""

    rows: list[tuple[int | None, int | None]]  # listing id and snapshot id; None when not stored
    problems: list[str | None]  # None when stored, else what went wrong
    summary: StoreSummary
    batch_problem: str | None = None  # why the batch failed as a whole (then stored one by one)


def store_listing_batch(database_url: str, items: list[ListingItem], run_id: int | None) -> StoredBatch:
    """Runs in the store worker process: the batch in one transaction, or item by item on error."""
    sessions = worker_sessions(database_url)
    try:
        with sessions.begin() as session:
            summary = store_listings(session, items, run_id)
        rows = [(item.listing_id, item.snapshot_id) for item in items]
        return StoredBatch(rows, [None] * len(items), summary)
    except Exception as exc:
        batch_problem = repr(exc)
    rows = []
    problems: list[str | None] = []
    total = StoreSummary()
    for item in items:
        item.listing_id = item.snapshot_id = None
        try:
            with sessions.begin() as session:
                done = store_listings(session, [item], run_id)
            total = StoreSummary(
                total.listings + done.listings,
                total.snapshots_created + done.snapshots_created,
                total.hits_written + done.hits_written,
            )
            problems.append(None)
        except Exception as exc:
            item.listing_id = item.snapshot_id = None  # set before the transaction rolled back
            problems.append(repr(exc))
        rows.append((item.listing_id, item.snapshot_id))
    return StoredBatch(rows, problems, total, batch_problem)


class StoreListingPipeline:
    """Write listings, snapshots and hits idempotently, in a worker process beside the reactor.

    One worker: SQLite allows one writer at a time anyway, and ordering per crawl keeps the
    upserts' "later observation wins" rule simple.
    """

    def __init__(self, crawler: Crawler, database_url: str, batch_size: int, delay: float) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.database_url = database_url
        self.batch_size = batch_size
        self.delay = delay
        self._worker: WorkerProcess | None = None
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
        upgrade_database(self.database_url)
        self._worker = WorkerProcess("store")
        self._batcher = Batcher(self._write, self.batch_size, self.delay)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ListingItem):
            return item
        assert self._batcher is not None
        try:
            await self._batcher.submit(item)
        except Exception as exc:
            record_error(self.stats, "store", item.url, str(exc))
            raise DropItem(f"could not store {item.url}: {exc}") from exc
        return item

    async def _write(self, items: list[ListingItem]) -> list[StoreFailed | None]:
        assert self._worker is not None
        run_id = self.stats.get_value("thumbwatch/crawl_run_id")
        # The page bodies stay here: the evidence pipeline needs them, the store does not.
        sent = [replace(item, exchange=None) for item in items]
        batch = await self._worker.run(store_listing_batch, self.database_url, sent, run_id)
        if batch.batch_problem is not None:
            logger.warning(
                "batch of %d listings failed (%s); stored them one by one", len(items), batch.batch_problem
            )
        for item, (listing_id, snapshot_id) in zip(items, batch.rows, strict=True):
            item.listing_id, item.snapshot_id = listing_id, snapshot_id
        self.stats.inc_value("thumbwatch/items_stored", batch.summary.listings)
        self.stats.inc_value("thumbwatch/snapshots_created", batch.summary.snapshots_created)
        self.stats.inc_value("thumbwatch/hits_stored", batch.summary.hits_written)
        outcomes: list[StoreFailed | None] = []
        for item, problem in zip(items, batch.problems, strict=True):
            if problem is not None:
                logger.error("could not store listing %s: %s", item.url, problem)
            outcomes.append(None if problem is None else StoreFailed(problem))
        return outcomes

    async def close_spider(self) -> None:
        if self._batcher is not None:
            await self._batcher.drain()
        if self._worker is not None:
            self._worker.shutdown()


class StoreFailed(Exception):
    """A listing the store worker could not write (carries the error's text across processes)."""
