"""Middlewares around the spiders: pages that cannot be parsed, and the exchange behind each item.

A parse function raising `MalformedPage` (a required field is missing) or any other error is
logged with the page's URL and counted in the run's stats; the rest of the crawl carries on.
Every `ListingItem` gets the request and response of its page (`ExchangeCaptureMiddleware`),
with the body as it came over the wire when Scrapy decoded it (`WireResponseMiddleware`), so
that evidence capture can write them to a WARC file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from crawler.failures import record_error
from crawler.items import ListingItem
from evidence.warc import CapturedExchange
from spiders.errors import MalformedPage

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Headers, Response

logger = logging.getLogger(__name__)


class MalformedPageMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_spider_exception(self, response: Response, exception: Exception) -> Iterable[Any]:
        if isinstance(exception, MalformedPage):
            record_error(self.stats, "malformed_page", response.url, str(exception))
            logger.warning("malformed page %s: %s", response.url, exception)
        else:
            record_error(self.stats, "parse_error", response.url, repr(exception))
            logger.error(
                "error parsing %s",
                response.url,
                exc_info=(type(exception), exception, exception.__traceback__),
            )
        return []


WIRE_RESPONSE_META = "thumbwatch_wire_response"


@dataclass(frozen=True)
class WireResponse:
    """A response's headers and body as received (copied: HttpCompression edits the headers)."""

    url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def _header_pairs(headers: Headers) -> tuple[tuple[str, str], ...]:
    pairs = ((name, value) for name, values in headers.items() for value in values)
    return tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in pairs)


class WireResponseMiddleware:
    """Keeps a content-encoded response as received, before HttpCompressionMiddleware decodes it."""

    def process_response(self, request: Request, response: Response) -> Response:
        if response.headers.get("Content-Encoding"):
            wire = WireResponse(response.url, response.status, _header_pairs(response.headers), response.body)
            request.meta[WIRE_RESPONSE_META] = wire
        else:
            request.meta.pop(WIRE_RESPONSE_META, None)  # left over from an earlier attempt
        return response


def captured_exchange(response: Response, fetched_at: datetime) -> CapturedExchange:
    """The request and response behind `response`, with the wire body when Scrapy decoded it."""
    request = response.request
    wire = response.meta.get(WIRE_RESPONSE_META) if request is not None else None
    if not isinstance(wire, WireResponse) or wire.url != response.url or wire.status != response.status:
        wire = WireResponse(response.url, response.status, _header_pairs(response.headers), response.body)
    return CapturedExchange(
        method=request.method if request is not None else "GET",
        url=request.url if request is not None else response.url,
        request_headers=_header_pairs(request.headers) if request is not None else (),
        request_body=request.body if request is not None else b"",
        status=response.status,
        response_url=response.url,
        response_headers=wire.headers,
        response_body=wire.body,
        fetched_at=fetched_at,
        from_browser="playwright" in response.flags,
        protocol=response.protocol or "HTTP/1.1",
    )


class ExchangeCaptureMiddleware(BaseSpiderMiddleware):
    """Attaches the page's exchange to each `ListingItem` (evidence capture reads it)."""

    def get_processed_item(self, item: Any, response: Response | None) -> Any:
        if isinstance(item, ListingItem) and response is not None and item.exchange is None:
            fetched_at = item.fetched_at if item.fetched_at.tzinfo is not None else datetime.now(UTC)
            item.exchange = captured_exchange(response, fetched_at)
        return item
