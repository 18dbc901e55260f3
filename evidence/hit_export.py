"""Exports of hits for other agencies: render the filtered hits in one format, record the export.

Formats: ``csv`` (one flat row per listing: the columns of ``thumbwatch hits`` plus the seller's
identifier and page, the device family and the evidence hashes), ``jsonl`` (one object per
listing: the hit row plus ``seller_account``, ``device_family`` and ``evidence``), ``stix``
(`evidence.stix_bundle`) and ``misp`` (`evidence.misp_event`). The rows are those of
``thumbwatch hits`` (`storage.repository.list_hits`, same filters). Every export is a custody
entry ``export.hits`` naming the format, filters, listings, destination and the SHA-256 of what
was written, with the hashes of the evidence it names.

CSV goes through `crawler.output.write_rows`, which prefixes with ``'`` any cell a spreadsheet
would run as a formula (OWASP's advice): partners open these files in spreadsheets, and listing
text is hostile input.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import asdict, dataclass
from datetime import UTC
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from crawler.config import TlpLevel
from crawler.output import OutputFormat, write_rows
from evidence.custody import Clock, append_custody
from evidence.manifest import iso
from evidence.share import ShareContext, default_investigation, share_records
from matching.catalog import Catalog
from storage.repository import HitFilters, list_hits

CSV_COLUMNS = (
    "listing_id",
    "marketplace",
    "external_id",
    "url",
    "title",
    "price",
    "currency",
    "seller",
    "seller_id",
    "seller_url",
    "device",
    "device_name",
    "device_family",
    "score",
    "tier",
    "status",
    "first_seen",
    "last_seen",
    "matcher_version",
    "evidence_sha256",
)


class HitFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    STIX = "stix"
    MISP = "misp"

    @property
    def needs_unit(self) -> bool:
        """STIX and MISP name the sharing unit (its identity, the event's organisation)."""
        return self in (HitFormat.STIX, HitFormat.MISP)


@dataclass(frozen=True)
class HitExport:
    data: bytes
    sha256: str
    listing_ids: tuple[int, ...]
    investigation: str | None


def _csv_row(record: dict[str, Any]) -> dict[str, Any]:
    seller = record["seller_account"] or {}
    flat = {
        **{k: v for k, v in record.items() if k in CSV_COLUMNS},
        "seller_id": seller.get("external_id"),
        "seller_url": seller.get("url"),
        "evidence_sha256": " ".join(f"{item['kind']}:{item['sha256']}" for item in record["evidence"]),
    }
    return {column: flat.get(column) for column in CSV_COLUMNS}


def render_hits(records: list[dict[str, Any]], fmt: HitFormat, context: ShareContext | None) -> bytes:
    """`records` (`evidence.share.share_records`) in `fmt`; STIX and MISP need the `context`."""
    if fmt in (HitFormat.CSV, HitFormat.JSONL):
        text = io.StringIO(newline="")
        rows = [_csv_row(r) for r in records] if fmt is HitFormat.CSV else records
        write_rows(rows, OutputFormat(fmt.value), CSV_COLUMNS, out=text)
        return text.getvalue().encode()
    if context is None:
        raise ValueError(f"a {fmt} export needs the sharing unit's context")
    # Imported here: stix2 and pymisp take a second to load, which every other command would pay.
    from evidence.misp_event import misp_event
    from evidence.stix_bundle import stix_bundle

    if fmt is HitFormat.STIX:
        return (stix_bundle(records, context).serialize(pretty=True) + "\n").encode()
    return (misp_event(records, context).to_json(indent=2) + "\n").encode()


def _filters_record(filters: HitFilters, min_score: int) -> dict[str, Any]:
    described = {k: v for k, v in asdict(filters).items() if v not in ((), None)}
    for key in ("first_seen_from", "first_seen_before"):
        if key in described:
            described[key] = iso(described[key])
    described["statuses"] = [str(s) for s in described.get("statuses", ())] or None
    return {k: v for k, v in {**described, "min_score": min_score}.items() if v is not None}


def export_hits(
    session: Session,
    fmt: HitFormat,
    *,
    filters: HitFilters,
    min_score: int,
    catalog: Catalog,
    unit: tuple[str, str] | None,
    investigation: str | None,
    tlp: TlpLevel,
    actor: str,
    destination: str,
    clock: Clock,
) -> HitExport:
    """Render the hits `filters` keep and append the ``export.hits`` custody entry to `session`
    (the caller commits once the data is written to `destination`)."""
    created_at = clock().astimezone(UTC)
    records = share_records(session, list_hits(session, min_score=min_score, filters=filters), catalog)
    context = None
    if fmt.needs_unit:
        if unit is None:
            raise ValueError(f"a {fmt} export needs the sharing unit (name, email)")
        investigation = investigation or default_investigation(created_at)
        context = ShareContext(unit[0], unit[1], investigation, tlp, created_at)
    data = render_hits(records, fmt, context)
    digest = hashlib.sha256(data).hexdigest()
    listing_ids = tuple(r["listing_id"] for r in records)
    details: dict[str, Any] = {
        "format": fmt.value,
        "destination": destination,
        "sha256": digest,
        "listings": len(listing_ids),
        "listing_ids": list(listing_ids),
        "filters": _filters_record(filters, min_score),
    }
    if context is not None:
        details.update(investigation=context.investigation, tlp=context.tlp)
    hashes = sorted({item["sha256"] for r in records for item in r["evidence"]})
    append_custody(
        session, actor=actor, action="export.hits", details=details, evidence_hashes=hashes, clock=clock
    )
    return HitExport(data, digest, listing_ids, context.investigation if context else None)
