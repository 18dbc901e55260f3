"""Recording one capture of a listing: blobs in the store, Capture and EvidenceItem rows, custody.

`capture_listing` is the one way evidence of a listing is recorded. Inside the caller's
transaction it stores each blob (an identical blob already stored is reused), inserts the
`Capture` idempotently (a crawl captures a snapshot once, even with two crawl processes racing:
the loser's insert does nothing and it reports the existing capture), inserts one `EvidenceItem`
per blob and appends the custody entry naming every hash.

It also builds the blobs a crawl captures: the WARC of the exchange, the screenshot and the
listing with its match result as canonical JSON.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload

from evidence.custody import Clock, append_custody
from evidence.screenshot import PNG_MEDIA_TYPE, Screenshot
from evidence.store import EvidenceStore
from evidence.warc import WARC_MEDIA_TYPE, CapturedExchange, RecordIdFactory, build_warc, uuid_record_id
from storage.models import Capture, EvidenceItem, utcnow
from storage.repository import _insert

if TYPE_CHECKING:
    from crawler.items import ListingItem

__all__ = [
    "CRAWL_PURPOSE",
    "JSON_MEDIA_TYPE",
    "CaptureOutcome",
    "EvidenceBlob",
    "capture_exists",
    "capture_listing",
    "crawl_blobs",
    "describe_tools",
    "listing_captures",
    "listing_document",
    "tool_versions",
]

CRAWL_PURPOSE = "crawl"
JSON_MEDIA_TYPE = "application/json"
TOOL_NAME = "thumbwatch"


@dataclass(frozen=True)
class EvidenceBlob:
    """One piece of evidence to store: its bytes and what they are."""

    kind: str
    data: bytes
    media_type: str
    source_url: str
    tool_version: str
    tool_name: str = TOOL_NAME


@dataclass(frozen=True)
class CaptureOutcome:
    capture_id: int
    created: bool  # False: this snapshot was already captured for this purpose, nothing written
    hashes: dict[str, str]  # kind -> sha256 of the capture's items
    reused_blobs: int = 0


@functools.cache  # a metadata lookup scans site-packages: once per process, not per capture
def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def tool_versions(from_browser: bool, chromium: str | None = None) -> list[tuple[str, str]]:
    """(tool, version) pairs that made a crawl capture, thumbwatch first."""
    tools = [(TOOL_NAME, _package_version("thumbwatch")), ("Scrapy", _package_version("scrapy"))]
    tools.append(("warcio", _package_version("warcio")))
    if from_browser or chromium:
        tools.append(("Playwright", _package_version("playwright")))
    if chromium:
        tools.append(("Chromium", chromium))
    return tools


def describe_tools(tools: Sequence[tuple[str, str]]) -> str:
    """thumbwatch's version and, in brackets, the tools under it (fits `EvidenceItem.tool_version`)."""
    (_, own), rest = tools[0], tools[1:]
    text = f"{own} ({', '.join(f'{name} {ver}' for name, ver in rest)})" if rest else own
    return text[:100]


def listing_document(item: ListingItem) -> bytes:
    """The listing as extracted and its match result, as canonical JSON (sorted keys, UTF-8)."""
    document = {
        "listing": {
            **item.content(),
            "marketplace": item.marketplace,
            "external_id": item.external_id,
            "fetched_at": item.fetched_at.astimezone(UTC).isoformat(),
            "listing_id": item.listing_id,
            "snapshot_id": item.snapshot_id,
        },
        "match": None if item.match is None else item.match.to_dict(),
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def crawl_blobs(
    item: ListingItem,
    exchange: CapturedExchange,
    screenshot: Screenshot | None,
    *,
    chromium: str | None = None,
    clock: Clock = utcnow,
    record_id: RecordIdFactory = uuid_record_id,
) -> list[EvidenceBlob]:
    """What a crawl captures of a listing: the WARC, the screenshot (when taken), the JSON."""
    chromium = screenshot.browser_version if screenshot is not None else chromium
    warc_tools = tool_versions(exchange.from_browser, chromium if exchange.from_browser else None)
    blobs = [
        EvidenceBlob(
            kind="warc",
            data=build_warc(exchange, warc_tools, clock=clock, record_id=record_id),
            media_type=WARC_MEDIA_TYPE,
            source_url=exchange.response_url,
            tool_version=describe_tools(warc_tools),
        )
    ]
    if screenshot is not None:
        shot_tools = [
            warc_tools[0],
            ("Playwright", _package_version("playwright")),
            ("Chromium", chromium or ""),
        ]
        blobs.append(
            EvidenceBlob(
                kind="screenshot",
                data=screenshot.png,
                media_type=PNG_MEDIA_TYPE,
                source_url=screenshot.url,
                tool_version=describe_tools(shot_tools),
            )
        )
    blobs.append(
        EvidenceBlob(
            kind="listing_json",
            data=listing_document(item),
            media_type=JSON_MEDIA_TYPE,
            source_url=item.url,
            tool_version=warc_tools[0][1],
        )
    )
    return blobs


def capture_exists(session: Session, snapshot_id: int, purpose: str = CRAWL_PURPOSE) -> bool:
    found = session.scalar(
        select(Capture.id).where(Capture.snapshot_id == snapshot_id, Capture.purpose == purpose)
    )
    return found is not None


def _existing(session: Session, snapshot_id: int, purpose: str) -> CaptureOutcome:
    capture = session.scalars(
        select(Capture)
        .where(Capture.snapshot_id == snapshot_id, Capture.purpose == purpose)
        .options(selectinload(Capture.items))
    ).one()
    return CaptureOutcome(capture.id, False, {i.kind: i.sha256 for i in capture.items})


def capture_listing(
    session: Session,
    store: EvidenceStore,
    *,
    listing_id: int,
    snapshot_id: int,
    url: str,
    blobs: Sequence[EvidenceBlob] | Callable[[], Sequence[EvidenceBlob]],
    captured_by: str,
    crawl_run_id: int | None = None,
    purpose: str = CRAWL_PURPOSE,
    details: dict[str, Any] | None = None,
    clock: Clock = utcnow,
) -> CaptureOutcome:
    """Record `blobs` as the capture of one listing snapshot, inside the caller's transaction.

    `blobs` may be a function building them, called only when the snapshot has no capture yet.
    `details` (e.g. why a screenshot is missing) go into the custody entry.
    """
    if capture_exists(session, snapshot_id, purpose):
        return _existing(session, snapshot_id, purpose)
    if callable(blobs):
        blobs = blobs()
    kinds = [blob.kind for blob in blobs]
    if len(set(kinds)) != len(kinds):
        raise ValueError(f"listing {listing_id}: evidence kinds repeat in one capture: {kinds}")
    captured_at: datetime = clock().astimezone(UTC)
    stored = [(blob, store.put(blob.data)) for blob in blobs]
    inserted = session.execute(
        _insert(session, Capture.__table__)
        .values(
            listing_id=listing_id,
            snapshot_id=snapshot_id,
            crawl_run_id=crawl_run_id,
            purpose=purpose,
            url=url,
            captured_at=captured_at,
            captured_by=captured_by,
        )
        .on_conflict_do_nothing(index_elements=["snapshot_id", "purpose"])
        .returning(Capture.__table__.c.id)
    ).scalar()
    if inserted is None:  # another process captured this snapshot since the check above
        return _existing(session, snapshot_id, purpose)
    # A Core insert of all the items at once: the ORM's unit of work costs more than the rows.
    session.execute(
        insert(EvidenceItem),
        [
            {
                "capture_id": inserted,
                "kind": blob.kind,
                "sha256": kept.sha256,
                "size": kept.size,
                "media_type": blob.media_type,
                "captured_at": captured_at,
                "source_url": blob.source_url,
                "tool_name": blob.tool_name,
                "tool_version": blob.tool_version,
            }
            for blob, kept in stored
        ],
    )
    hashes = {blob.kind: kept.sha256 for blob, kept in stored}
    append_custody(
        session,
        actor=captured_by,
        action="capture",
        listing_id=listing_id,
        details={
            "capture_id": inserted,
            "snapshot_id": snapshot_id,
            "crawl_run_id": crawl_run_id,
            "purpose": purpose,
            "url": url,
            "items": hashes,
            **(details or {}),
        },
        evidence_hashes=hashes.values(),
        clock=clock,
    )
    session.flush()
    return CaptureOutcome(inserted, True, hashes, sum(kept.reused for _, kept in stored))


def listing_captures(session: Session, listing_id: int) -> list[Capture]:
    """A listing's captures, oldest first, with their evidence items loaded."""
    return list(
        session.scalars(
            select(Capture)
            .where(Capture.listing_id == listing_id)
            .options(selectinload(Capture.items))
            .order_by(Capture.captured_at, Capture.id)
        )
    )
