"""Sharing hits with other agencies: the export's context and the records every format is made from.

`share_records` adds to each hit row (as `storage.repository.list_hits` gives it) what a partner
needs to act on it: the seller's account on the marketplace (identifier, name, page), the
device's family from the catalog, and the evidence captured for the listing, each item named as
a referral package names it (`evidence.manifest.item_file`) with its SHA-256. The STIX 2.1 bundle
(`evidence.stix_bundle`) and the MISP event (`evidence.misp_event`) are built from these
records; only hashes are shared, never the blobs themselves.

TLP levels are those of FIRST's TLP 2.0; the formats map them to what they carry (see each).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.config import TlpLevel
from evidence.manifest import iso, item_file
from matching.catalog import Catalog
from storage.models import Capture, EvidenceItem, Listing, Seller

TLP_LEVELS: tuple[str, ...] = get_args(TlpLevel)
# Namespace of the UUIDv5 ids of everything an export names (STIX SDOs, MISP event and objects).
SHARE_NAMESPACE = uuid.UUID("6f0b7d3e-58a2-5d6c-9d4e-2c1a4b7e9f10")


class ShareError(ValueError):
    """The export cannot be made as asked (e.g. no hit to share)."""


@dataclass(frozen=True)
class ShareContext:
    """Who shares, under what name and marking, and when (the clock of the whole export)."""

    unit_name: str
    unit_email: str
    investigation: str
    tlp: TlpLevel
    created_at: datetime

    def __post_init__(self) -> None:
        if self.tlp not in TLP_LEVELS:
            raise ShareError(f"unknown TLP level {self.tlp!r} (one of {', '.join(TLP_LEVELS)})")
        if self.created_at.tzinfo is None:
            raise ShareError("the export time must be timezone-aware")

    def uuid(self, *key: object) -> uuid.UUID:
        """A stable id for `key` within this export: the same export gives the same ids."""
        parts = (self.unit_name, self.investigation, iso(self.created_at), *(str(k) for k in key))
        return uuid.uuid5(SHARE_NAMESPACE, "\x1f".join(str(p) for p in parts))


def default_investigation(created_at: datetime) -> str:
    return f"thumbwatch hits {created_at.astimezone(UTC).date().isoformat()}"


def _sellers(session: Session, listing_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    stmt = (
        select(Listing.id, Seller.external_id, Seller.name, Seller.url)
        .join(Seller, Seller.id == Listing.seller_id)
        .where(Listing.id.in_(listing_ids))
    )
    return {
        listing_id: {"external_id": external_id, "name": name, "url": url}
        for listing_id, external_id, name, url in session.execute(stmt)
    }


def _evidence(session: Session, listing_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    stmt = (
        select(EvidenceItem, Capture.listing_id)
        .join(Capture, Capture.id == EvidenceItem.capture_id)
        .where(Capture.listing_id.in_(listing_ids))
        .order_by(Capture.captured_at, Capture.id, EvidenceItem.id)
    )
    found: dict[int, list[dict[str, Any]]] = {}
    for item, listing_id in session.execute(stmt):
        found.setdefault(listing_id, []).append(
            {
                "file": item_file(listing_id, item.capture_id, item.kind, item.media_type),
                "kind": item.kind,
                "sha256": item.sha256,
                "size": item.size,
                "media_type": item.media_type,
                "captured_at": iso(item.captured_at),
                "source_url": item.source_url,
            }
        )
    return found


def _family(catalog: Catalog, device_id: str | None) -> str | None:
    if device_id is None:
        return None
    try:
        return catalog.get(device_id).family
    except KeyError:  # a device of an older catalog version
        return None


def share_records(session: Session, rows: Sequence[dict[str, Any]], catalog: Catalog) -> list[dict[str, Any]]:
    """Each hit row with ``seller_account`` (or None), ``device_family`` and ``evidence``."""
    ids = [row["listing_id"] for row in rows]
    sellers = _sellers(session, ids)
    evidence = _evidence(session, ids)
    return [
        {
            **row,
            "seller_account": sellers.get(row["listing_id"]),
            "device_family": _family(catalog, row["device"]),
            "evidence": evidence.get(row["listing_id"], []),
        }
        for row in rows
    ]


def listing_summary(record: dict[str, Any]) -> str:
    """One paragraph saying what the listing is and why it was flagged (STIX notes, MISP comments)."""
    device = record["device_name"] or "an unidentified mini phone"
    price = f"{record['price']} {record['currency'] or ''}".strip() if record["price"] else "no price"
    evidence = (
        f"{len(record['evidence'])} evidence file(s) captured, SHA-256 listed"
        if record["evidence"]
        else "no evidence was captured for this listing"
    )
    return (
        f"Listing {record['external_id']} on {record['marketplace']}: {record['title']!r} ({price}). "
        f"Matched {device} with score {record['score']}/100 (tier {record['tier']}, matcher "
        f"{record['matcher_version']}); review status {record['status']}; first seen "
        f"{record['first_seen']}, last seen {record['last_seen']}; {evidence}."
    )
