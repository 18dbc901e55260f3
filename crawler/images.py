"""The listing-images pipeline (ITEM_PIPELINES 350, after the store step): fetch each stored
listing's main images, keep the bytes as evidence and store their perceptual hashes.

Which listings: ``THUMBWATCH_IMAGE_FETCH`` ``flagged`` (default: the matcher flagged it, tier
low or above), ``all`` or ``off``; at most ``THUMBWATCH_IMAGES_PER_LISTING`` images each, in
page order. Fetching every image of every listing would double a polite crawl's requests for
listings nobody reviews. An image whose hash is already stored for the listing is not fetched
again, so a recrawl costs no image requests.

Downloads go through ``crawler.engine.download_async``: the same downloader as pages, so the
same per-site slots, delays, AutoThrottle, robots.txt, User-Agent, retries and block detection.
Scrapy's ``MediaPipeline``/``FilesPipeline`` are not used: their hooks run on the reactor
thread and synchronously, while we need a database lookup before the downloads (what is already
hashed) and a database write after them, both off the reactor as the store step does; their
file store keys files by URL hash, where evidence lives content-addressed by SHA-256 in
`evidence.store`; and they keep every result in memory for the whole crawl.

Decoding, hashing and the evidence store's writes run in two worker threads and the database
work in a third, as short transactions; the reactor only waits.
A failed download or undecodable bytes is counted, logged and recorded on the image's row
(``error``, retried by the next crawl), never an error of the run: the listing itself was stored.
Stats: ``thumbwatch/images/{listings,fetched,already_hashed,undecodable,store_failed}``,
``thumbwatch/images/failed`` and ``thumbwatch/images/failed/<kind>`` (kinds as in
`crawler.failures`, e.g. ``http_404``, ``timeout``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http.request import NO_CALLBACK
from twisted.python.failure import Failure

from crawler.failures import failure_kind
from crawler.items import ListingItem
from evidence.images import ImageDecodeError, fingerprint_image
from evidence.store import EvidenceStore, evidence_store
from storage.db import session_factory, upgrade_database
from storage.images import ImageRecord, hashed_image_urls, upsert_listing_images

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

STATS = "thumbwatch/images"
FETCH_SCOPES = ("flagged", "all", "off")
HASHING_THREADS = 2


@dataclass(frozen=True, slots=True)
class ImageFetchSettings:
    """The image knobs, read and checked once."""

    database_url: str
    scope: str
    per_listing: int
    max_bytes: int

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        database_url = settings.get("THUMBWATCH_DATABASE_URL")
        if not database_url:
            raise NotConfigured("THUMBWATCH_DATABASE_URL is not set")
        scope = str(settings.get("THUMBWATCH_IMAGE_FETCH", "flagged")).lower()
        if scope not in FETCH_SCOPES:
            choices = ", ".join(FETCH_SCOPES)
            raise ValueError(f"THUMBWATCH_IMAGE_FETCH must be one of {choices}, got {scope!r}")
        config = cls(
            database_url=database_url,
            scope=scope,
            per_listing=settings.getint("THUMBWATCH_IMAGES_PER_LISTING", 3),
            max_bytes=settings.getint("THUMBWATCH_IMAGE_MAX_BYTES", 10 * 1024 * 1024),
        )
        if config.per_listing < 1:
            raise ValueError(f"THUMBWATCH_IMAGES_PER_LISTING must be >= 1, got {config.per_listing}")
        if config.max_bytes < 1:
            raise ValueError(f"THUMBWATCH_IMAGE_MAX_BYTES must be >= 1, got {config.max_bytes}")
        return config


@dataclass(frozen=True, slots=True)
class Download:
    """What one image request gave: the body, or the kind and detail of its failure."""

    url: str
    position: int
    fetched_at: datetime
    body: bytes | None = None
    failure: str | None = None
    detail: str = ""


class ListingImagesPipeline:
    """Fetches and fingerprints the main images of stored listings."""

    def __init__(self, crawler: Crawler, config: ImageFetchSettings) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.config = config
        self._database: ThreadPoolExecutor | None = None
        self._hashing: ThreadPoolExecutor | None = None
        self._store: EvidenceStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        config = ImageFetchSettings.from_settings(crawler.settings)
        if config.scope == "off":
            raise NotConfigured("THUMBWATCH_IMAGE_FETCH is off")
        return cls(crawler, config)

    def open_spider(self) -> None:
        self._sessions = session_factory(upgrade_database(self.config.database_url))
        self._store = evidence_store()
        # One database thread (short transactions, one writer as SQLite wants); decoding and the
        # evidence store's fsync run beside it, so neither waits for the other.
        self._database = ThreadPoolExecutor(max_workers=1, thread_name_prefix="thumbwatch-images-db")
        self._hashing = ThreadPoolExecutor(
            max_workers=HASHING_THREADS, thread_name_prefix="thumbwatch-images"
        )

    def wanted(self, item: ListingItem) -> bool:
        if item.listing_id is None or not item.image_urls:
            return False
        return self.config.scope == "all" or bool(item.match is not None and item.match.flagged)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ListingItem) or not self.wanted(item):
            return item
        assert item.listing_id is not None
        loop = asyncio.get_running_loop()
        listing_id = item.listing_id
        urls = [url for url in item.image_urls if url.startswith(("http://", "https://"))]
        urls = urls[: self.config.per_listing]
        self.stats.inc_value(f"{STATS}/listings")
        try:
            known = await loop.run_in_executor(self._database, self._hashed_urls, listing_id)
        except Exception as exc:  # the database is gone: the listing is stored, skip its images
            self._store_failed(item, exc)
            return item
        todo = [(position, url) for position, url in enumerate(urls) if url not in known]
        self.stats.inc_value(f"{STATS}/already_hashed", len(urls) - len(todo))
        if not todo:
            return item
        downloads = await asyncio.gather(*(self._download(url, position) for position, url in todo))
        run_id = self.stats.get_value("thumbwatch/crawl_run_id")
        try:
            fingerprinted = await asyncio.gather(
                *(loop.run_in_executor(self._hashing, self._record, listing_id, d, run_id) for d in downloads)
            )
            await loop.run_in_executor(self._database, self._write, [record for record, _ in fingerprinted])
        except Exception as exc:
            self._store_failed(item, exc)
            return item
        for _, outcome in fingerprinted:
            if outcome:
                self.stats.inc_value(f"{STATS}/{outcome}")
        return item

    async def _download(self, url: str, position: int) -> Download:
        request = Request(url, callback=NO_CALLBACK, meta={"download_maxsize": self.config.max_bytes})
        fetched_at = datetime.now(UTC)
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as exc:
            failure = Failure(exc)
            return self._failed(Download(url, position, fetched_at), failure_kind(failure), str(exc))
        if response.status != 200:
            return self._failed(Download(url, position, fetched_at), f"http_{response.status}", "")
        return Download(url, position, fetched_at, body=response.body)

    def _failed(self, download: Download, kind: str, detail: str) -> Download:
        self.stats.inc_value(f"{STATS}/failed")
        self.stats.inc_value(f"{STATS}/failed/{kind}")
        logger.warning("image not fetched (%s) from %s %s", kind, download.url, detail)
        return Download(download.url, download.position, download.fetched_at, failure=kind, detail=detail)

    def _store_failed(self, item: ListingItem, exc: Exception) -> None:
        self.stats.inc_value(f"{STATS}/store_failed")
        logger.error("could not store the images of listing %s (%s): %r", item.listing_id, item.url, exc)

    def _hashed_urls(self, listing_id: int) -> set[str]:
        with self._sessions() as session:
            return hashed_image_urls(session, listing_id)

    def _record(
        self, listing_id: int, download: Download, run_id: int | None
    ) -> tuple[ImageRecord, str | None]:
        """In a hashing thread: the image's row, and what to count (``fetched``, ``undecodable``)."""
        assert self._store is not None
        record = ImageRecord(listing_id, download.url, download.position, download.fetched_at, run_id)
        if download.body is None:
            error = f"{download.failure}: {download.detail}" if download.detail else download.failure
            return replace(record, error=error), None
        try:
            fingerprint = fingerprint_image(download.body)
        except ImageDecodeError as exc:
            logger.warning("undecodable image at %s: %s", download.url, exc)
            return replace(record, error=f"undecodable: {exc}"), "undecodable"
        self._store.put(download.body)
        stored = replace(
            record,
            sha256=fingerprint.sha256,
            phash=fingerprint.phash,
            width=fingerprint.width,
            height=fingerprint.height,
            media_type=fingerprint.media_type,
        )
        return stored, "fetched"

    def _write(self, records: Sequence[ImageRecord]) -> None:
        """In the database thread: one listing's image rows in one transaction."""
        with self._sessions.begin() as session:
            upsert_listing_images(session, records)

    def close_spider(self) -> None:
        for executor in (self._hashing, self._database):
            if executor is not None:
                executor.shutdown(wait=True)
