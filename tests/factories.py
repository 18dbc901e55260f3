"""Test data builders shared by the storage, evidence and review tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from crawler.items import ListingItem
from evidence.store import EvidenceStore
from matching import MatchResult, Reason
from storage.repository import store_listings

T0 = datetime(2026, 5, 20, 8, 0, tzinfo=UTC)


def make_match(score: int, flagged: bool = True, device: str | None = "l8star-bm10") -> MatchResult:
    return MatchResult(
        score=score,
        tier="high" if flagged else "none",
        flagged=flagged,
        device_id=device if flagged else None,
        device_name="L8star BM10" if flagged else None,
        reasons=(
            Reason(
                code="model",
                text="names L8star BM10",
                points=60.0,
                field="title",
                span=(0, 11),
                excerpt="L8star BM10",
            ),
        ),
        matcher_version="test-1",
        catalog_version="cat-1",
    )


def make_item(
    external_id: str = "A1",
    title: str = "L8star BM10 mini phone",
    fetched_at: datetime = T0,
    price: str = "19.99",
    score: int = 90,
    flagged: bool = True,
) -> ListingItem:
    item = ListingItem(
        marketplace="test-market",
        external_id=external_id,
        url=f"http://market.test/item/{external_id}",
        title=title,
        fetched_at=fetched_at,
        description="68x28x13 mm, 350 mAh",
        price=Decimal(price),
        currency="EUR",
        seller_name="Seller One",
        seller_url="http://market.test/seller/1",
        image_urls=["http://market.test/img/1.png"],
        ship_from="CN",
        attributes={"Battery": "350 mAh"},
    )
    item.match = make_match(score, flagged)
    return item


def stored_listing(sessions: sessionmaker[Session], **fields: object) -> ListingItem:
    """Store one listing (see `make_item` for the fields); the item carries its row ids."""
    item = make_item(**fields)  # type: ignore[arg-type]
    with sessions.begin() as session:
        store_listings(session, [item])
    return item


def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """A real (grey) PNG image, built without an imaging library."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def minimal_warc(url: str, html: str, fetched_at: datetime = T0) -> bytes:
    """A real gzipped WARC/1.1 holding one HTTP response, with fixed record id and date."""
    import hashlib
    import io
    import uuid

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.timeutils import datetime_to_iso_date
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    body = html.encode("utf-8")
    headers = StatusAndHeaders(
        "200 OK",
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
        "HTTP/1.1",
    )
    record = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        http_headers=headers,
        warc_headers_dict={
            "WARC-Record-ID": f"<urn:uuid:{uuid.UUID(hashlib.sha256(url.encode()).hexdigest()[:32])}>",
            "WARC-Date": datetime_to_iso_date(fetched_at, use_micros=True),
        },
    )
    writer.write_record(record)
    return out.getvalue()


def captured_listing(
    sessions: sessionmaker[Session],
    store: EvidenceStore,
    captured_at: datetime = T0,
    screenshot: bool = True,
    marketplace: str = "test-market",
    **fields: object,
) -> ListingItem:
    """A stored listing with a crawl capture (WARC, screenshot, listing JSON) in `store`, its
    `Capture`/`EvidenceItem` rows and the capture's custody entry, as the crawl records them."""
    import json

    from evidence.custody import append_custody
    from storage.models import Capture, EvidenceItem

    item = make_item(**fields)  # type: ignore[arg-type]
    item.marketplace = marketplace
    with sessions.begin() as session:
        store_listings(session, [item], now=captured_at)
    assert item.listing_id is not None
    page = f"<html><head><title>{item.title}</title></head><body><h1>{item.title}</h1></body></html>"
    blobs = [("warc", minimal_warc(item.url, page, captured_at), "application/warc")]
    if screenshot:
        blobs.append(("screenshot", tiny_png(), "image/png"))
    document = {"listing": item.content(), "match": item.match.to_dict() if item.match else None}
    blobs.append(("listing_json", json.dumps(document, sort_keys=True).encode(), "application/json"))
    with sessions.begin() as session:
        capture = Capture(
            listing_id=item.listing_id,
            snapshot_id=item.snapshot_id,
            purpose="crawl",
            url=item.url,
            captured_at=captured_at,
            captured_by="test-crawler",
        )
        session.add(capture)
        session.flush()
        hashes = []
        for kind, data, media_type in blobs:
            stored = store.put(data)
            hashes.append(stored.sha256)
            session.add(
                EvidenceItem(
                    capture_id=capture.id,
                    kind=kind,
                    sha256=stored.sha256,
                    size=stored.size,
                    media_type=media_type,
                    captured_at=captured_at,
                    source_url=item.url,
                    tool_name="thumbwatch",
                    tool_version="test",
                )
            )
        append_custody(
            session,
            actor="test-crawler",
            action="capture",
            listing_id=item.listing_id,
            details={"capture_id": capture.id},
            evidence_hashes=hashes,
            clock=lambda: captured_at,
        )
    return item


def referral_row(session: Session, listing_id: int, created_at: datetime, package_path: str = "r.zip") -> int:
    """A recorded referral of one listing (as `export_referral` leaves it), without a package."""
    from storage.models import Listing, Referral, ReferralListing

    listing = session.get(Listing, listing_id)
    assert listing is not None
    referral = Referral(
        created_at=created_at,
        created_by="sup",
        marketplace_id=listing.marketplace_id,
        package_path=package_path,
        package_sha256="0" * 64,
    )
    session.add(referral)
    session.flush()
    session.add(ReferralListing(referral_id=referral.id, listing_id=listing_id))
    return referral.id
