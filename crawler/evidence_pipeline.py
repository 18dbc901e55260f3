"""Evidence capture at crawl time, after the store step (ITEM_PIPELINES 400).

A stored listing whose score reaches ``THUMBWATCH_EVIDENCE_MIN_SCORE`` is captured once per
snapshot: the WARC of its page's exchange, a full-page screenshot
(``THUMBWATCH_EVIDENCE_SCREENSHOTS``) and its data with the match result as JSON, recorded by
`evidence.capture.capture_listing`. The database work and the WARC building run in the evidence
worker process (`crawler.evidence_worker`) in batches, the screenshot on the reactor's asyncio loop; a
failed screenshot or capture is logged and counted, never stops the crawl, and never drops the
item. Stats: ``thumbwatch/evidence/<outcome>``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from scrapy.exceptions import NotConfigured

from crawler.batching import Batcher
from crawler.evidence_worker import (
    CaptureFailed,
    CaptureJob,
    already_captured,
    record_captures,
)
from crawler.items import ListingItem
from crawler.worker_process import WorkerProcess
from evidence.screenshot import PageScreenshotter, ScreenshotFailed
from evidence.store import EvidenceStore, evidence_store
from evidence.warc import CapturedExchange
from storage.db import upgrade_database

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

STATS = "thumbwatch/evidence"


@dataclass(frozen=True)
class EvidenceSettings:
    """The evidence knobs, read and checked once."""

    database_url: str
    min_score: int
    screenshots: bool
    screenshot_timeout: float
    screenshot_concurrency: int
    launch_options: dict[str, Any]
    user_agent: str | None
    batch_size: int
    batch_delay: float

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        database_url = settings.get("THUMBWATCH_DATABASE_URL")
        if not database_url:
            raise NotConfigured("THUMBWATCH_DATABASE_URL is not set")
        config = cls(
            database_url=database_url,
            min_score=settings.getint("THUMBWATCH_EVIDENCE_MIN_SCORE", 50),
            screenshots=settings.getbool("THUMBWATCH_EVIDENCE_SCREENSHOTS", True),
            screenshot_timeout=settings.getfloat("THUMBWATCH_EVIDENCE_SCREENSHOT_TIMEOUT", 30.0),
            screenshot_concurrency=settings.getint("THUMBWATCH_EVIDENCE_SCREENSHOT_CONCURRENCY", 2),
            launch_options=settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"),
            user_agent=settings.get("USER_AGENT"),
            batch_size=settings.getint("THUMBWATCH_EVIDENCE_BATCH_SIZE", 50),
            batch_delay=settings.getfloat("THUMBWATCH_EVIDENCE_BATCH_DELAY", 0.25),
        )
        if not 0 <= config.min_score <= 100:
            raise ValueError(f"THUMBWATCH_EVIDENCE_MIN_SCORE must be 0-100, got {config.min_score}")
        if config.screenshot_timeout <= 0:
            raise ValueError(
                f"THUMBWATCH_EVIDENCE_SCREENSHOT_TIMEOUT must be > 0, got {config.screenshot_timeout}"
            )
        if config.batch_size < 1 or config.batch_delay < 0:
            raise ValueError(
                "THUMBWATCH_EVIDENCE_BATCH_SIZE must be >= 1 and THUMBWATCH_EVIDENCE_BATCH_DELAY >= 0, "
                f"got {config.batch_size} and {config.batch_delay}"
            )
        if config.screenshot_concurrency < 1:
            concurrency = config.screenshot_concurrency
            raise ValueError(f"THUMBWATCH_EVIDENCE_SCREENSHOT_CONCURRENCY must be >= 1, got {concurrency}")
        return config


class EvidenceCapturePipeline:
    """Captures evidence of high-scoring stored listings, off the reactor thread."""

    def __init__(self, crawler: Crawler, config: EvidenceSettings) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.config = config
        self._worker: WorkerProcess | None = None
        self._batcher: Batcher[CaptureJob, tuple[bool, int]] | None = None
        self._store: EvidenceStore | None = None
        self._screenshotter: PageScreenshotter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, EvidenceSettings.from_settings(crawler.settings))

    def open_spider(self) -> None:
        upgrade_database(self.config.database_url)
        self._store = evidence_store()
        self._worker = WorkerProcess("evidence")
        self._batcher = Batcher(self._record_batch, self.config.batch_size, self.config.batch_delay)
        if self.config.screenshots:
            self._screenshotter = PageScreenshotter(
                self.config.launch_options,
                timeout=self.config.screenshot_timeout,
                max_concurrency=self.config.screenshot_concurrency,
                user_agent=self.config.user_agent,
            )

    def _count(self, outcome: str, amount: int = 1) -> None:
        self.stats.inc_value(f"{STATS}/{outcome}", amount)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ListingItem):
            return item
        # The item goes on to exporters without the page bodies, captured or not.
        exchange, item.exchange = item.exchange, None
        if item.match is None or item.match.score < self.config.min_score:
            return item
        if item.listing_id is None or item.snapshot_id is None:
            self._count("not_stored")
        elif exchange is None:
            self._count("no_exchange")
        else:
            try:
                await self._capture(item, exchange)
            except Exception as exc:
                self._count("failed")
                logger.error("evidence capture of %s failed: %r", item.url, exc, exc_info=exc)
        return item

    async def _capture(self, item: ListingItem, exchange: CapturedExchange) -> None:
        assert self._worker is not None and item.snapshot_id is not None
        screenshot, problem = None, None
        if self._screenshotter is not None:
            # Checked before the screenshot, the one costly step outside the worker.
            if await self._worker.run(already_captured, self.config.database_url, item.snapshot_id):
                self._count("skipped_existing")
                return
            try:
                screenshot = await self._screenshotter.take(exchange.response_url)
            except ScreenshotFailed as exc:
                problem = str(exc)
                self._count("screenshot_failed")
                logger.warning("%s (capturing without a screenshot)", problem)
        job = CaptureJob(
            item=item,
            exchange=exchange,
            screenshot=screenshot,
            screenshot_problem=problem,
            chromium_path=str(self.config.launch_options.get("executable_path", "chromium")),
            captured_by=self._actor(),
            crawl_run_id=self.stats.get_value("thumbwatch/crawl_run_id"),
        )
        assert self._batcher is not None
        created, reused = await self._batcher.submit(job)
        self._count("captured" if created else "skipped_existing")
        if reused:
            self._count("blobs_reused", reused)

    async def _record_batch(self, jobs: list[CaptureJob]) -> list[tuple[bool, int] | CaptureFailed]:
        assert self._worker is not None and self._store is not None
        return await self._worker.run(record_captures, self.config.database_url, self._store.root, jobs)

    def _actor(self) -> str:
        spider = self.crawler.spider.name if self.crawler.spider is not None else "unknown"
        run_id = self.stats.get_value("thumbwatch/crawl_run_id")
        return f"crawler:{spider}:run{run_id}" if run_id is not None else f"crawler:{spider}"

    async def close_spider(self) -> None:
        if self._batcher is not None:
            await self._batcher.drain()
        if self._screenshotter is not None:
            await self._screenshotter.close()
        if self._worker is not None:
            self._worker.shutdown()
