"""Analysts' decisions exported as labelled data for the matcher's evaluation.

Confirmed, referred and removed listings are positives; dismissed listings are negatives, with
the dismissal reason and note. Each line has the keys of ``../shared/eval/dev.jsonl`` (read by
`matching.evaluation.read_labels`, so `thumbwatch eval --labels` takes the export as it is), plus
``listing_id``, ``url`` and ``decided_by``. The listing's language is unknown here: ``und``
(ISO 639-2 "undetermined").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.catalog_store import active_catalog
from matching.evaluation import GENERIC_FAMILY
from storage.models import CustodyEntry, Listing, Marketplace, ReviewStatus
from storage.repository import latest_hits

POSITIVE = (ReviewStatus.CONFIRMED, ReviewStatus.REFERRED, ReviewStatus.REMOVED)
NEGATIVE = (ReviewStatus.DISMISSED,)


def labelled_decisions(session: Session) -> Iterator[dict[str, Any]]:
    """One labelled record per decided listing, in listing id order."""
    catalog = active_catalog()
    rows = session.execute(
        select(Listing, Marketplace.slug)
        .join(Marketplace, Marketplace.id == Listing.marketplace_id)
        .where(Listing.review_status.in_(POSITIVE + NEGATIVE))
        .order_by(Listing.id)
    ).all()
    ids = [listing.id for listing, _ in rows]
    hits = latest_hits(session, ids)
    decisions = _last_decisions(session, ids)
    for listing, slug in rows:
        positive = listing.review_status in POSITIVE
        decision = decisions.get(listing.id)
        details = decision.details if decision else {}
        yield {
            "id": f"listing-{listing.id}",
            "marketplace": slug,
            "lang": "und",
            "title": listing.title,
            "description": listing.description,
            "price": None if listing.price is None else float(listing.price),
            "currency": listing.currency,
            "label": positive,
            "family": _family(catalog, hits.get(listing.id)) if positive else None,
            "ambiguous": False,
            "note": _note(listing.review_status, details),
            "listing_id": listing.id,
            "url": listing.url,
            "decided_by": decision.actor if decision else None,
        }


def _last_decisions(session: Session, listing_ids: list[int]) -> dict[int, CustodyEntry]:
    """Each listing's latest confirm or dismiss entry (who decided the label)."""
    if not listing_ids:
        return {}
    entries = session.scalars(
        select(CustodyEntry)
        .where(
            CustodyEntry.listing_id.in_(listing_ids),
            CustodyEntry.action.in_(["review.confirmed", "review.dismissed"]),
        )
        .order_by(CustodyEntry.id)
    )
    return {entry.listing_id: entry for entry in entries if entry.listing_id is not None}


def _family(catalog: Any, hit: Any) -> str:
    if hit is None or not hit.device_id:
        return GENERIC_FAMILY
    try:
        return str(catalog.get(hit.device_id).family)
    except KeyError:
        return GENERIC_FAMILY


def _note(status: ReviewStatus, details: dict[str, Any]) -> str:
    parts = [f"{'positive' if status in POSITIVE else 'negative'}: analyst {status.value}"]
    parts += [str(details[key]) for key in ("reason", "note") if details.get(key)]
    return "; ".join(parts)
