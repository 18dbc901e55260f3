"""The "crawl now" queue: a request is a `CrawlRequest` row that the scheduler process runs.

The command line (``thumbwatch schedule run-now``) and the review console queue requests here
and never run a crawl themselves; the scheduler claims queued requests (see
`SchedulerService.poll_requests`) and records how each ended.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.runner import validate_crawl
from storage.models import CrawlRequest

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


def queue_crawl_request(
    session: Session, spider: str, arguments: Mapping[str, str], requested_by: str
) -> CrawlRequest:
    """Queue a crawl after checking the spider and its arguments (`CrawlUsageError` if bad)."""
    validate_crawl(spider, arguments)
    request = CrawlRequest(
        spider=spider,
        arguments=dict(arguments),
        requested_by=requested_by,
        requested_at=datetime.now(UTC),
        status=QUEUED,
    )
    session.add(request)
    session.flush()
    return request


def recent_requests(session: Session, limit: int = 20) -> list[CrawlRequest]:
    return list(session.scalars(select(CrawlRequest).order_by(CrawlRequest.id.desc()).limit(limit)))
