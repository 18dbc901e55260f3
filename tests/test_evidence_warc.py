"""WARC building (pure): records read back with warcio, byte-identical output for a fixed clock and
ids; and the exchange the spider middleware attaches to items, wire body included."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import hashlib
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from crawler.items import ListingItem
from crawler.middlewares import (
    WIRE_RESPONSE_META,
    ExchangeCaptureMiddleware,
    WireResponse,
    WireResponseMiddleware,
    captured_exchange,
)
from evidence.warc import CapturedExchange, build_warc, warc_date

FETCHED = datetime(2026, 5, 20, 8, 30, 15, 123456, tzinfo=UTC)
BUILT = datetime(2026, 5, 20, 8, 31, tzinfo=UTC)
TOOLS = [("thumbwatch", "0.1.0"), ("Scrapy", "2.19.0"), ("warcio", "1.8.1")]
PAGE = "<html><body><h1>L8star BM10 – mini phone</h1></body></html>".encode()

EXCHANGE = CapturedExchange(
    method="GET",
    url="http://market.test/item/A1?ref=search",
    request_headers=(("User-Agent", "thumbwatch/0.1.0"), ("Accept", "text/html")),
    request_body=b"",
    status=200,
    response_url="http://market.test/item/A1?ref=search",
    response_headers=(("Content-Type", "text/html; charset=utf-8"), ("Server", "sandbox")),
    response_body=PAGE,
    fetched_at=FETCHED,
)


def fixed_ids() -> Callable[[], str]:
    numbers = count(1)
    return lambda: f"<urn:uuid:00000000-0000-4000-8000-{next(numbers):012d}>"


def build(exchange: CapturedExchange = EXCHANGE, ids: Callable[[], str] | None = None) -> bytes:
    return build_warc(exchange, TOOLS, clock=lambda: BUILT, record_id=ids or fixed_ids())


def records(data: bytes) -> list[tuple[Any, bytes]]:
    return [(r, r.content_stream().read()) for r in ArchiveIterator(io.BytesIO(data))]


def sha1_digest(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def test_plain_http_page_is_a_response_and_its_request() -> None:
    read = records(build())
    assert [r.rec_type for r, _ in read] == ["warcinfo", "response", "request"]
    (info, info_body), (response, body), (request, _) = read
    assert all(r.rec_headers.protocol == "WARC/1.1" for r, _ in read)
    assert info.rec_headers.get_header("WARC-Date") == "2026-05-20T08:31:00Z"
    assert b"software: thumbwatch/0.1.0, Scrapy/2.19.0, warcio/1.8.1\r\n" in info_body
    assert b"fetched-by: HTTP (Scrapy)" in info_body

    assert response.rec_headers.get_header("WARC-Target-URI") == EXCHANGE.response_url
    assert response.rec_headers.get_header("WARC-Date") == "2026-05-20T08:30:15.123456Z"
    assert response.rec_headers.get_header("WARC-Payload-Digest") == sha1_digest(PAGE)
    assert response.http_headers.get_statuscode() == "200"
    assert response.http_headers.get_header("Server") == "sandbox"
    assert body == PAGE

    assert request.rec_headers.get_header("WARC-Target-URI") == EXCHANGE.url
    assert request.http_headers.protocol == "GET"
    assert request.http_headers.statusline == "/item/A1?ref=search HTTP/1.1"
    assert request.http_headers.get_header("User-Agent") == "thumbwatch/0.1.0"
    response_id = response.rec_headers.get_header("WARC-Record-ID")
    assert request.rec_headers.get_header("WARC-Concurrent-To") == response_id
    info_id = info.rec_headers.get_header("WARC-Record-ID")
    assert {r.rec_headers.get_header("WARC-Warcinfo-ID") for r in (response, request)} == {info_id}


def test_browser_page_is_a_resource_and_metadata_never_a_response() -> None:
    read = records(build(dataclasses.replace(EXCHANGE, from_browser=True)))
    assert [r.rec_type for r, _ in read] == ["warcinfo", "resource", "metadata"]
    (_, info_body), (resource, dom), (metadata, fields) = read
    assert b"fetched-by: browser (scrapy-playwright), rendered DOM" in info_body
    assert dom == PAGE
    assert resource.rec_headers.get_header("Content-Type") == "text/html; charset=utf-8"
    assert resource.rec_headers.get_header("WARC-Payload-Digest") == sha1_digest(PAGE)
    assert resource.rec_headers.get_header("WARC-Target-URI") == EXCHANGE.response_url
    resource_id = resource.rec_headers.get_header("WARC-Record-ID")
    assert metadata.rec_headers.get_header("WARC-Refers-To") == resource_id
    assert metadata.rec_headers.get_header("Content-Type") == "application/warc-fields"
    lines = fields.decode().splitlines()
    assert "http-status: 200" in lines
    assert "http-request: GET http://market.test/item/A1?ref=search" in lines
    assert "http-response-header: Server: sandbox" in lines
    assert "http-request-header: User-Agent: thumbwatch/0.1.0" in lines


def test_fixed_clock_and_ids_give_byte_identical_output() -> None:
    assert build() == build()
    assert build() != build(ids=lambda: "<urn:uuid:11111111-1111-4111-8111-111111111111>")
    later = build_warc(EXCHANGE, TOOLS, clock=lambda: BUILT + timedelta(seconds=1), record_id=fixed_ids())
    assert later != build()
    # Records are gzipped one by one with no timestamp in the gzip header.
    assert gzip.decompress(build()).startswith(b"WARC/1.1\r\nWARC-Type: warcinfo\r\n")


def test_dechunked_body_is_not_written_under_a_chunked_header() -> None:
    chunked = dataclasses.replace(
        EXCHANGE, response_headers=(*EXCHANGE.response_headers, ("Transfer-Encoding", "chunked"))
    )
    (_, _), (response, body), _ = records(build(chunked))
    assert response.http_headers.get_header("Transfer-Encoding") is None
    assert response.rec_headers.get_header("WARC-Thumbwatch-Removed-Header") == "Transfer-Encoding: chunked"
    assert body == PAGE


def test_naive_fetch_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        warc_date(datetime(2026, 5, 20, 8, 0))


def test_middlewares_attach_the_wire_response_of_a_decompressed_page() -> None:
    compressed = gzip.compress(PAGE, mtime=0)
    request = Request("http://market.test/item/A1", headers={"User-Agent": "thumbwatch/0.1.0"})
    wire = HtmlResponse(
        request.url,
        status=200,
        headers={"Content-Encoding": "gzip", "Content-Type": "text/html; charset=utf-8"},
        body=compressed,
        request=request,
        protocol="HTTP/1.1",
    )
    # Downloader side: the wire middleware (595) sees the response before HttpCompression (590).
    kept = WireResponseMiddleware().process_response(request, wire)
    decoded = HttpCompressionMiddleware(crawler=get_crawler()).process_response(request, kept)
    assert isinstance(decoded, Response) and decoded.body == PAGE

    item = ListingItem(
        marketplace="m", external_id="A1", url=request.url, title="L8star BM10", fetched_at=FETCHED
    )
    [processed] = list(ExchangeCaptureMiddleware(None).process_spider_output(decoded, [item]))  # type: ignore[arg-type]
    exchange = processed.exchange
    assert exchange is not None and not exchange.from_browser
    assert exchange.response_body == compressed
    assert exchange.header("Content-Encoding") == "gzip"
    assert exchange.request_headers == (("User-Agent", "thumbwatch/0.1.0"),)
    assert exchange.fetched_at == FETCHED and exchange.status == 200
    # The exchange stays out of the listing's content (it must not make new snapshots).
    assert "exchange" not in processed.content()
    (_, _), (response, body), _ = records(build(exchange))
    assert body == PAGE  # warcio decodes the stored gzip body on reading
    assert response.http_headers.get_header("Content-Encoding") == "gzip"


def test_a_plain_page_keeps_its_own_body_and_a_stale_wire_response_is_dropped() -> None:
    request = Request("http://market.test/item/A2")
    request.meta[WIRE_RESPONSE_META] = WireResponse(request.url, 500, (), b"old attempt")
    response = HtmlResponse(request.url, body=PAGE, request=request, flags=["playwright"])
    assert WireResponseMiddleware().process_response(request, response) is response
    exchange = captured_exchange(response, FETCHED)
    assert exchange.response_body == PAGE and exchange.from_browser
    assert WIRE_RESPONSE_META not in request.meta
