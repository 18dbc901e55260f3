"""The crawl's evidence worker: one separate process that builds and records captures.

Building a capture (the WARC, the listing JSON, SHA-256 and fsync of every blob, the rows and
the custody entry) costs about 5 ms of CPU. On a thread of the crawl process it held the GIL
the reactor needs, and a first crawl of a site captures most of its listings; in a process of
its own it runs on another core. The process starts on the first capture of a crawl (spawned,
never forked: the crawl process runs threads and a reactor), opens its own database engine
and evidence store, and takes batches of jobs one at a time, in order.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from evidence.capture import capture_exists, capture_listing, crawl_blobs
from evidence.screenshot import Screenshot, chromium_version
from evidence.store import EvidenceStore
from storage.db import create_db_engine, session_factory

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session, sessionmaker

    from crawler.items import ListingItem
    from evidence.warc import CapturedExchange

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class CaptureJob:
    """Everything the worker needs to capture one stored listing snapshot."""

    database_url: str
    store_root: Path
    item: ListingItem
    exchange: CapturedExchange
    screenshot: Screenshot | None
    screenshot_problem: str | None
    chromium_path: str
    captured_by: str
    crawl_run_id: int | None


@lru_cache(maxsize=4)
def _sessions(database_url: str) -> sessionmaker[Session]:
    return session_factory(create_db_engine(database_url))


def already_captured(database_url: str, snapshot_id: int) -> bool:
    """Runs in the worker: whether the snapshot's crawl capture is already recorded."""
    with _sessions(database_url)() as session:
        return capture_exists(session, snapshot_id)


def record_capture(job: CaptureJob) -> tuple[bool, int]:
    """Runs in the worker: build the blobs and record the capture in one transaction.

    Returns (created, blobs reused); a snapshot captured already is left as it is.
    """
    item = job.item
    assert item.listing_id is not None and item.snapshot_id is not None
    if already_captured(job.database_url, item.snapshot_id):
        return False, 0
    chromium = None
    if job.exchange.from_browser and job.screenshot is None:
        chromium = chromium_version(job.chromium_path)
    blobs = crawl_blobs(item, job.exchange, job.screenshot, chromium=chromium)
    with _sessions(job.database_url).begin() as session:
        outcome = capture_listing(
            session,
            EvidenceStore(job.store_root),
            listing_id=item.listing_id,
            snapshot_id=item.snapshot_id,
            url=item.url,
            blobs=blobs,
            captured_by=job.captured_by,
            crawl_run_id=job.crawl_run_id,
            details={"screenshot_error": job.screenshot_problem} if job.screenshot_problem else None,
        )
    return outcome.created, outcome.reused_blobs


class CaptureFailed(Exception):
    """A capture that failed in the worker (carries the original error's text across processes)."""


def record_captures(jobs: list[CaptureJob]) -> list[tuple[bool, int] | CaptureFailed]:
    """Runs in the worker: `record_capture` for each job, each in its own transaction.

    A failure fails its own job only; it comes back as a `CaptureFailed` naming the URL.
    """
    outcomes: list[tuple[bool, int] | CaptureFailed] = []
    for job in jobs:
        try:
            outcomes.append(record_capture(job))
        except Exception as exc:
            outcomes.append(CaptureFailed(f"capture of {job.item.url} failed: {exc!r}"))
    return outcomes


class EvidenceWorker:
    """The worker process, started on first use; a crashed worker is replaced on the next job."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        pool = self._pool
        try:
            return await asyncio.wrap_future(pool.submit(fn, *args))
        except BrokenProcessPool:
            logger.error("the evidence worker process died; starting a new one for the next capture")
            if self._pool is pool:
                self._pool = None
            pool.shutdown(wait=False)
            raise

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
