"""One captured HTTP exchange as a WARC/1.1 file (warcio), byte-identical for a fixed clock and ids.

A page fetched over plain HTTP becomes a ``response`` record and its ``request`` record. A page
rendered by a browser is not what came over the wire: its DOM is a ``resource`` record and what
the browser reported of the wire exchange (status, headers, request) a ``metadata`` record; it is
never written as a ``response``. A ``warcinfo`` record heads the file and names the tools.

Each record is gzip-compressed on its own (the usual ``.warc.gz`` layout, ISO 28500 annex D).
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

__all__ = [
    "WARC_MEDIA_TYPE",
    "CapturedExchange",
    "Clock",
    "RecordIdFactory",
    "build_warc",
    "uuid_record_id",
    "warc_date",
]

WARC_MEDIA_TYPE = "application/warc"
WARC_SPEC = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"

Clock = Callable[[], datetime]
RecordIdFactory = Callable[[], str]
Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CapturedExchange:
    """What was sent and received for one page, as the crawl saw it.

    For a browser page `response_body` is the rendered DOM and the headers are what the browser
    reported; `fetched_at` is the time the crawl read the page (UTC-aware).
    """

    method: str
    url: str
    request_headers: Headers
    request_body: bytes
    status: int
    response_url: str
    response_headers: Headers
    response_body: bytes
    fetched_at: datetime
    from_browser: bool = False
    protocol: str = "HTTP/1.1"

    def header(self, name: str) -> str | None:
        """The first response header called `name` (case-insensitive)."""
        wanted = name.lower()
        return next((value for key, value in self.response_headers if key.lower() == wanted), None)


def uuid_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def warc_date(moment: datetime) -> str:
    """WARC-Date with microseconds (WARC/1.1 allows them), always UTC."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: WARC dates need a UTC-aware time")
    return datetime_to_iso_date(moment.astimezone(UTC).replace(tzinfo=None), use_micros=True)


class _InjectedWARCWriter(WARCWriter):
    """warcio's writer with the record ids and the warcinfo date taken from the caller."""

    def __init__(self, out: io.BytesIO, clock: Clock, record_id: RecordIdFactory) -> None:
        super().__init__(out, gzip=True, warc_version="1.1")
        self._clock = clock
        self._record_id = record_id

    def _make_warc_id(self) -> str:  # type: ignore[override]
        return self._record_id()

    def _make_warc_date(self, use_micros: bool = False) -> str:  # type: ignore[override]
        return warc_date(self._clock())


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _wire_headers(headers: Headers) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The headers to write in a response record, and those left out.

    Scrapy hands over the body with the chunked framing removed; writing ``Transfer-Encoding:
    chunked`` over such a body would make readers de-chunk it a second time.
    """
    kept: list[tuple[str, str]] = []
    removed: list[tuple[str, str]] = []
    for name, value in headers:
        target = removed if name.lower() == "transfer-encoding" and "chunked" in value.lower() else kept
        target.append((name, value))
    return kept, removed


def _warc_fields(fields: Sequence[tuple[str, str]]) -> bytes:
    return "".join(f"{name}: {value}\r\n" for name, value in fields).encode("utf-8")


def _record(writer: _InjectedWARCWriter, uri: str, kind: str, body: bytes, **kwargs: Any) -> Any:
    return writer.create_warc_record(uri, kind, payload=io.BytesIO(body), length=len(body), **kwargs)


def build_warc(
    exchange: CapturedExchange,
    tools: Sequence[tuple[str, str]],
    *,
    clock: Clock,
    record_id: RecordIdFactory = uuid_record_id,
) -> bytes:
    """The WARC file of `exchange`; `tools` (name, version) are listed in the warcinfo record."""
    out = io.BytesIO()
    writer = _InjectedWARCWriter(out, clock, record_id)
    fetched = "browser (scrapy-playwright), rendered DOM" if exchange.from_browser else "HTTP (Scrapy)"
    info = {
        "software": ", ".join(f"{name}/{version}" for name, version in tools),
        "format": "WARC File Format 1.1",
        "conformsTo": WARC_SPEC,
        "fetched-by": fetched,
    }
    warcinfo = writer.create_warcinfo_record(None, info)
    writer.write_record(warcinfo)
    common = {
        "WARC-Date": warc_date(exchange.fetched_at),
        "WARC-Warcinfo-ID": warcinfo.rec_headers.get_header("WARC-Record-ID"),
    }
    if exchange.from_browser:
        _write_browser_records(writer, exchange, common)
    else:
        _write_http_records(writer, exchange, common)
    return out.getvalue()


def _write_http_records(
    writer: _InjectedWARCWriter, exchange: CapturedExchange, common: dict[str, str]
) -> None:
    kept, removed = _wire_headers(exchange.response_headers)
    response_headers = dict(common)
    if removed:
        response_headers["WARC-Thumbwatch-Removed-Header"] = "; ".join(f"{n}: {v}" for n, v in removed)
    http_response = StatusAndHeaders(_status_line(exchange.status), kept, protocol=exchange.protocol)
    response = _record(
        writer,
        exchange.response_url,
        "response",
        exchange.response_body,
        http_headers=http_response,
        warc_headers_dict=response_headers,
    )
    request_line = f"{exchange.method} {_request_target(exchange.url)} {exchange.protocol}"
    http_request = StatusAndHeaders(request_line, list(exchange.request_headers), is_http_request=True)
    request = _record(
        writer,
        exchange.url,
        "request",
        exchange.request_body,
        http_headers=http_request,
        warc_headers_dict={**common, "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")},
    )
    writer.write_record(response)
    writer.write_record(request)


def _write_browser_records(
    writer: _InjectedWARCWriter, exchange: CapturedExchange, common: dict[str, str]
) -> None:
    resource = _record(
        writer,
        exchange.response_url,
        "resource",
        exchange.response_body,
        warc_content_type=exchange.header("Content-Type") or "text/html",
        warc_headers_dict=common,
    )
    resource_id = resource.rec_headers.get_header("WARC-Record-ID")
    fields = [
        ("via", "rendered by a browser: the resource record is its DOM, not the bytes on the wire"),
        ("http-request", f"{exchange.method} {exchange.url}"),
        *(("http-request-header", f"{name}: {value}") for name, value in exchange.request_headers),
        ("http-status", str(exchange.status)),
        *(("http-response-header", f"{name}: {value}") for name, value in exchange.response_headers),
    ]
    metadata = _record(
        writer,
        exchange.response_url,
        "metadata",
        _warc_fields(fields),
        warc_content_type="application/warc-fields",
        warc_headers_dict={**common, "WARC-Refers-To": resource_id, "WARC-Concurrent-To": resource_id},
    )
    writer.write_record(resource)
    writer.write_record(metadata)
