"""How a crawl run's status is judged from its stats, and how failures are classified."""

from __future__ import annotations

from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, DownloadTimeoutError
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TimeoutError
from twisted.python.failure import Failure

from crawler.extensions import judge_run
from crawler.failures import FAILED_URLS_KEPT, failure_kind, record_error
from storage.models import RunStatus


def _stats() -> MemoryStatsCollector:
    return MemoryStatsCollector(get_crawler())


def test_failure_kinds() -> None:
    response = Response("http://x.test/item/1", status=503, request=Request("http://x.test/item/1"))
    assert failure_kind(Failure(HttpError(response, "bad"))) == "http_503"
    assert failure_kind(Failure(TimeoutError())) == "timeout"
    assert failure_kind(Failure(DownloadTimeoutError("took 1s"))) == "timeout"
    assert failure_kind(Failure(PlaywrightTimeoutError("Timeout 1000ms exceeded"))) == "timeout"
    assert failure_kind(Failure(DownloadConnectionRefusedError())) == "connection_refused"
    assert failure_kind(Failure(CannotResolveHostError())) == "dns"
    assert failure_kind(Failure(DNSLookupError())) == "dns"
    assert failure_kind(Failure(ConnectionRefusedError())) == "connection_refused"
    assert failure_kind(Failure(ValueError("x"))) == "valueerror"


def test_record_error_counts_and_keeps_a_bounded_list_of_urls() -> None:
    stats = _stats()
    for n in range(FAILED_URLS_KEPT + 5):
        record_error(stats, "timeout", f"http://x.test/{n}", "took too long")
    assert stats.get_value("thumbwatch/errors/timeout") == FAILED_URLS_KEPT + 5
    assert stats.get_value("thumbwatch/errors/total") == FAILED_URLS_KEPT + 5
    failed = stats.get_value("thumbwatch/failed_urls")
    assert len(failed) == FAILED_URLS_KEPT
    assert failed[0] == {"url": "http://x.test/0", "kind": "timeout", "detail": "took too long"}


def test_judge_run() -> None:
    assert judge_run({"response_received_count": 10}, "finished") == (RunStatus.OK, None)
    degraded = {
        "response_received_count": 10,
        "thumbwatch/errors/total": 3,
        "thumbwatch/errors/http_500": 2,
        "thumbwatch/errors/timeout": 1,
    }
    assert judge_run(degraded, "finished") == (RunStatus.DEGRADED, "3 error(s): http_500=2, timeout=1")
    unreachable = {
        "response_received_count": 0,
        "thumbwatch/errors/total": 1,
        "thumbwatch/failed_urls": [
            {"url": "http://127.0.0.1:9/search?q=x", "kind": "connection_refused", "detail": "refused"}
        ],
    }
    assert judge_run(unreachable, "finished") == (
        RunStatus.FAILED,
        "could not reach http://127.0.0.1:9/search?q=x: connection_refused refused",
    )
    only_robots = {"response_received_count": 1, "robotstxt/response_count": 1}
    assert judge_run(only_robots, "finished") == (RunStatus.FAILED, "no page was fetched")
    assert judge_run({}, "shutdown")[0] is RunStatus.INTERRUPTED
    assert judge_run({}, "closespider_timeout") == (
        RunStatus.FAILED,
        "crawl closed early: closespider_timeout",
    )
