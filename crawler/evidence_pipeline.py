"""Evidence capture at crawl time, after the store step (ITEM_PIPELINES 400).

A stored listing whose score reaches ``THUMBWATCH_EVIDENCE_MIN_SCORE`` is captured once per
snapshot: the WARC of its page's exchange, a full-page screenshot (``THUMBWATCH_EVIDENCE_SCREENSHOTS``)
and its data with the match result as JSON, recorded by `evidence.capture.capture_listing`. The
database work and the WARC building run in one worker thread, the screenshot on the reactor's
asyncio loop; a failed screenshot or capture is logged and counted, never stops the crawl, and
never drops the item. Stats: ``thumbwatch/evidence/<outcome>``.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from scrapy.exceptions import NotConfigured

from crawler.items import ListingItem
from evidence.capture import capture_exists, capture_listing, crawl_blobs
from evidence.screenshot import PageScreenshotter, Screenshot, ScreenshotFailed, chromium_version
from evidence.store import EvidenceStore, evidence_store
from evidence.warc import CapturedExchange
from storage.db import session_factory, upgrade_database

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
        )
        if not 0 <= config.min_score <= 100:
            raise ValueError(f"THUMBWATCH_EVIDENCE_MIN_SCORE must be 0-100, got {config.min_score}")
        if config.screenshot_timeout <= 0:
            raise ValueError(
                f"THUMBWATCH_EVIDENCE_SCREENSHOT_TIMEOUT must be > 0, got {config.screenshot_timeout}"
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
        self._executor: ThreadPoolExecutor | None = None
        self._store: EvidenceStore | None = None
        self._screenshotter: PageScreenshotter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, EvidenceSettings.from_settings(crawler.settings))

    def open_spider(self) -> None:
        self._sessions = session_factory(upgrade_database(self.config.database_url))
        self._store = evidence_store()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="thumbwatch-evidence")
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

    async def _in_worker(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def _capture(self, item: ListingItem, exchange: CapturedExchange) -> None:
        if await self._in_worker(self._already_captured, item.snapshot_id):
            self._count("skipped_existing")
            return
        screenshot, problem = None, None
        if self._screenshotter is not None:
            try:
                screenshot = await self._screenshotter.take(exchange.response_url)
            except ScreenshotFailed as exc:
                problem = str(exc)
                self._count("screenshot_failed")
                logger.warning("%s (capturing without a screenshot)", problem)
        created, reused = await self._in_worker(self._record, item, exchange, screenshot, problem)
        self._count("captured" if created else "skipped_existing")
        if reused:
            self._count("blobs_reused", reused)

    def _already_captured(self, snapshot_id: int) -> bool:
        with self._sessions() as session:
            return capture_exists(session, snapshot_id)

    def _actor(self) -> str:
        spider = self.crawler.spider.name if self.crawler.spider is not None else "unknown"
        run_id = self.stats.get_value("thumbwatch/crawl_run_id")
        return f"crawler:{spider}:run{run_id}" if run_id is not None else f"crawler:{spider}"

    def _record(
        self,
        item: ListingItem,
        exchange: CapturedExchange,
        screenshot: Screenshot | None,
        problem: str | None,
    ) -> tuple[bool, int]:
        """Runs in the worker thread: build the blobs, record the capture in one transaction."""
        assert self._store is not None and item.listing_id is not None and item.snapshot_id is not None
        chromium = None
        if exchange.from_browser and screenshot is None:
            chromium = chromium_version(str(self.config.launch_options.get("executable_path", "chromium")))
        blobs = crawl_blobs(item, exchange, screenshot, chromium=chromium)
        with self._sessions.begin() as session:
            outcome = capture_listing(
                session,
                self._store,
                listing_id=item.listing_id,
                snapshot_id=item.snapshot_id,
                url=item.url,
                blobs=blobs,
                captured_by=self._actor(),
                crawl_run_id=self.stats.get_value("thumbwatch/crawl_run_id"),
                details={"screenshot_error": problem} if problem else None,
            )
        return outcome.created, outcome.reused_blobs

    async def close_spider(self) -> None:
        if self._screenshotter is not None:
            await self._screenshotter.close()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
