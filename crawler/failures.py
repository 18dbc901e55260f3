"""Accounting for what went wrong during a crawl.

Every request failure (timeout, refused connection, DNS, HTTP error status) and every page
that could not be parsed is counted under ``thumbwatch/errors/<kind>`` in the crawl's stats and
logged with its URL, so a run's record says what failed and where. The first failing URLs are
kept in ``thumbwatch/failed_urls`` for the run's error message.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)

if TYPE_CHECKING:
    from scrapy.statscollectors import StatsCollector
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

FAILED_URLS_KEPT = 20
ERRORS_PREFIX = "thumbwatch/errors/"


def failure_kind(failure: Failure) -> str:
    """A short, stable name for the kind of a request failure."""
    if failure.check(HttpError):
        response = failure.value.response
        return f"http_{response.status}"
    # Scrapy 2.19 wraps Twisted's errors in its own; older paths still raise Twisted's.
    if failure.check(DownloadTimeoutError, TimeoutError, TCPTimedOutError, PlaywrightTimeoutError):
        return "timeout"
    if failure.check(CannotResolveHostError, DNSLookupError):
        return "dns"
    if failure.check(DownloadConnectionRefusedError, ConnectionRefusedError):
        return "connection_refused"
    return type(failure.value).__name__.lower()


def record_error(stats: StatsCollector, kind: str, url: str, detail: str = "") -> None:
    """Count one error of `kind` at `url` and remember the URL for the run's record."""
    stats.inc_value(f"{ERRORS_PREFIX}{kind}")
    stats.inc_value(f"{ERRORS_PREFIX}total")
    failed: list[dict[str, Any]] = stats.get_value("thumbwatch/failed_urls") or []
    if len(failed) < FAILED_URLS_KEPT:
        failed.append({"url": url, "kind": kind, "detail": detail[:300]})
        stats.set_value("thumbwatch/failed_urls", failed)


def record_request_failure(stats: StatsCollector, failure: Failure, url: str) -> None:
    """Errback helper: count and log a request that failed for good (after retries)."""
    kind = failure_kind(failure)
    detail = failure.getErrorMessage()
    record_error(stats, kind, url, detail)
    logger.warning("request failed (%s) for %s: %s", kind, url, detail)


def error_count(stats: dict[str, Any]) -> int:
    """Total errors recorded in a finished crawl's stats."""
    return int(stats.get(f"{ERRORS_PREFIX}total", 0))
