"""What a referral package's ``manifest.json`` says: one record per listing and the document.

A listing record holds the listing as stored, its seller, its latest match (score, reasons with
their spans), its captures with each evidence file's SHA-256, size, times and tool versions, the
gap when no evidence was captured (``evidence_gap``, null otherwise), and
the custody entries that concern it (its own, and entries of no listing that name its blobs), in
full, so that their hash chain can be recomputed from the package. The report and the notice are
rendered from these records too, so the three never disagree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler import __version__
from evidence.custody import custody_entries
from evidence.notice import INTEGRITY_STATEMENT, UnitContact
from storage.models import Capture, CustodyEntry, Hit, Listing

FORMAT = "thumbwatch-referral/1"
_EXTENSIONS = {
    "application/warc": ".warc",
    "application/json": ".json",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "text/html": ".html",
}
UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
NO_EVIDENCE = "no evidence was captured for this listing"


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def item_file(listing_id: int, capture_id: int, kind: str, media_type: str) -> str:
    """Where an evidence blob goes in its marketplace folder: a readable, collision-free name."""
    extension = _EXTENSIONS.get(media_type.split(";")[0].strip().lower(), ".bin")
    return f"evidence/listing-{listing_id}/capture-{capture_id}-{UNSAFE_NAME.sub('_', kind)}{extension}"


def evidence_items(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every evidence item of these listing records."""
    return [item for record in records for capture in record["captures"] for item in capture["items"]]


def _custody_record(entry: CustodyEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "recorded_at": iso(entry.recorded_at),
        "actor": entry.actor,
        "action": entry.action,
        "listing_id": entry.listing_id,
        "details": entry.details,
        "evidence_hashes": entry.evidence_hashes,
        "prev_hash": entry.prev_hash,
        "entry_hash": entry.entry_hash,
    }


def _capture_record(capture: Capture) -> dict[str, Any]:
    return {
        "capture_id": capture.id,
        "purpose": capture.purpose,
        "url": capture.url,
        "captured_at": iso(capture.captured_at),
        "captured_by": capture.captured_by,
        "crawl_run_id": capture.crawl_run_id,
        "snapshot_id": capture.snapshot_id,
        "items": [
            {
                "evidence_item_id": item.id,
                "kind": item.kind,
                "file": item_file(capture.listing_id, capture.id, item.kind, item.media_type),
                "sha256": item.sha256,
                "size": item.size,
                "media_type": item.media_type,
                "captured_at": iso(item.captured_at),
                "source_url": item.source_url,
                "tool_name": item.tool_name,
                "tool_version": item.tool_version,
            }
            for item in capture.items
        ],
    }


def custody_by_listing(
    session: Session, captures: Mapping[int, Sequence[Capture]]
) -> dict[int, list[dict[str, Any]]]:
    """Each listing's custody entries, and the entries of no listing that name its blobs."""
    blobs = {i: {item.sha256 for c in caps for item in c.items} for i, caps in captures.items()}
    found: dict[int, list[CustodyEntry]] = {i: [] for i in captures}
    for entry in custody_entries(session, list(captures)):
        if entry.listing_id in found:
            found[entry.listing_id].append(entry)
    for entry in session.scalars(select(CustodyEntry).where(CustodyEntry.listing_id.is_(None))):
        for i, hashes in blobs.items():
            if hashes.intersection(entry.evidence_hashes):
                found[i].append(entry)
    return {
        i: [_custody_record(e) for e in sorted(entries, key=lambda e: e.id)] for i, entries in found.items()
    }


def listing_record(
    listing: Listing, hit: Hit | None, captures: Sequence[Capture], custody: list[dict[str, Any]]
) -> dict[str, Any]:
    """One listing as the manifest states it (`review_status` as it was before the referral)."""
    seller = listing.seller
    return {
        "listing_id": listing.id,
        "external_id": listing.external_id,
        "url": listing.url,
        "title": listing.title,
        "description": listing.description,
        "price": None if listing.price is None else str(listing.price),
        "currency": listing.currency,
        "ship_from": listing.ship_from,
        "image_urls": listing.image_urls,
        "attributes": listing.attributes,
        "first_seen": iso(listing.first_seen),
        "last_seen": iso(listing.last_seen),
        "review_status": listing.review_status.value,
        "seller": None
        if seller is None
        else {"external_id": seller.external_id, "name": seller.name, "url": seller.url},
        "match": None
        if hit is None
        else {
            "score": hit.score,
            "tier": hit.tier,
            "device_id": hit.device_id,
            "device_name": hit.device_name,
            "reasons": hit.reasons,
            "matcher_version": hit.matcher_version,
            "catalog_version": hit.catalog_version,
            "scored_at": iso(hit.updated_at),
        },
        "captures": [_capture_record(c) for c in captures],
        "evidence_gap": None if any(c.items for c in captures) else NO_EVIDENCE,
        "custody": custody,
    }


def manifest_bytes(
    marketplace: Mapping[str, str],
    records: Sequence[Mapping[str, Any]],
    unit: UnitContact,
    catalog_version: str,
    created_at: datetime,
    created_by: str,
    files: Mapping[str, tuple[str, int]],
) -> bytes:
    """``manifest.json``: `files` maps every other file of the folder to (SHA-256, size)."""
    manifest = {
        "format": FORMAT,
        "created_at": iso(created_at),
        "created_by": created_by,
        "tool": {"name": "thumbwatch", "version": __version__},
        "marketplace": dict(marketplace),
        "unit": unit.as_dict(),
        "legal_basis": unit.legal_basis,
        "integrity": INTEGRITY_STATEMENT.format(unit=unit.name),
        "catalog_version": catalog_version,
        "listings": list(records),
        "listings_without_evidence": [r["listing_id"] for r in records if r["evidence_gap"]],
        "files": [{"path": name, "sha256": files[name][0], "size": files[name][1]} for name in sorted(files)],
    }
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
