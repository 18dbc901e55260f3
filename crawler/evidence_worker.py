"""What the crawl's evidence worker process does: build and record captures.

Building a capture (the WARC, the listing JSON, SHA-256 and fsync of every blob, the rows and
the custody entry) costs about 5 ms of CPU. On a thread of the crawl process it held the GIL
the reactor needs, and a first crawl of a site captures most of its listings; in a
`crawler.worker_process.WorkerProcess` it runs on another core, with its own database engine
and evidence store, taking batches of jobs one at a time, in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from evidence.capture import EvidenceBlob, capture_exists, capture_listing, crawl_blobs
from evidence.screenshot import Screenshot, chromium_version
from evidence.store import EvidenceStore
from storage.db import worker_sessions

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crawler.items import ListingItem
    from evidence.warc import CapturedExchange


@dataclass(frozen=True)
class CaptureJob:
    """What the worker needs to capture one stored listing snapshot (besides where to write it)."""

    item: ListingItem
    exchange: CapturedExchange
    screenshot: Screenshot | None
    screenshot_problem: str | None
    chromium_path: str
    captured_by: str
    crawl_run_id: int | None


def already_captured(database_url: str, snapshot_id: int) -> bool:
    """Runs in the worker: whether the snapshot's crawl capture is already recorded."""
    with worker_sessions(database_url)() as session:
        return capture_exists(session, snapshot_id)


def _record_capture(session: Session, store: EvidenceStore, job: CaptureJob) -> tuple[bool, int]:
    """Build the blobs and record the capture in `session`'s transaction.

    Returns (created, blobs reused); a snapshot captured already is left as it is, and its
    blobs are not even built.
    """
    item = job.item
    assert item.listing_id is not None and item.snapshot_id is not None

    def blobs() -> list[EvidenceBlob]:
        chromium = None
        if job.exchange.from_browser and job.screenshot is None:
            chromium = chromium_version(job.chromium_path)
        return crawl_blobs(item, job.exchange, job.screenshot, chromium=chromium)

    outcome = capture_listing(
        session,
        store,
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


def record_captures(
    database_url: str, store_root: Path, jobs: list[CaptureJob]
) -> list[tuple[bool, int] | CaptureFailed]:
    """Runs in the worker: every job of a batch in one transaction, each in its own savepoint.

    A failure rolls back and fails its own job only; it comes back as a `CaptureFailed` naming
    the URL. One transaction and one sync of the blobs per batch rather than per capture: each
    transaction takes SQLite's write lock and writes its log, and each fsync waits on the disk.
    """
    outcomes: list[tuple[bool, int] | CaptureFailed] = []
    store = EvidenceStore(store_root)
    # Contexts leave in reverse: the blobs reach the disk and get their names before the rows
    # naming them commit.
    with worker_sessions(database_url).begin() as session, store.deferred_sync():
        for job in jobs:
            try:
                with session.begin_nested():
                    outcomes.append(_record_capture(session, store, job))
            except Exception as exc:
                outcomes.append(CaptureFailed(f"capture of {job.item.url} failed: {exc!r}"))
    return outcomes
