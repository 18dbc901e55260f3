"""Everything the listing page shows, gathered in one unit of work."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crawler.catalog_store import active_catalog
from evidence.custody import custody_entries
from matching.catalog import Device
from review.highlight import reason_spans
from storage.images import SimilarListing, similar_listings
from storage.models import Capture, CustodyEntry, Hit, Listing, ListingImage, ListingSnapshot
from storage.repository import latest_hits

SAME_SELLER_LIMIT = 20


@dataclass
class ListingDetail:
    listing: Listing
    hit: Hit | None
    device: Device | None
    title_spans: list[tuple[int, int]]
    description_spans: list[tuple[int, int]]
    snapshots: list[ListingSnapshot]
    captures: list[Capture]
    custody: list[CustodyEntry]
    same_seller: list[Listing]
    relisting_of: Listing | None
    images: list[ListingImage] = field(default_factory=list)
    similar_images: list[SimilarListing] = field(default_factory=list)


def listing_detail(session: Session, listing_id: int, image_max_distance: int) -> ListingDetail | None:
    listing = session.scalars(
        select(Listing)
        .where(Listing.id == listing_id)
        .options(
            selectinload(Listing.marketplace), selectinload(Listing.seller), selectinload(Listing.snapshots)
        )
    ).first()
    if listing is None:
        return None
    hit = latest_hits(session, [listing_id]).get(listing_id)
    reasons = hit.reasons if hit else []
    captures = list(
        session.scalars(
            select(Capture)
            .where(Capture.listing_id == listing_id)
            .options(selectinload(Capture.items))
            .order_by(Capture.captured_at.desc())
        )
    )
    same_seller: list[Listing] = []
    if listing.seller_id is not None:
        same_seller = list(
            session.scalars(
                select(Listing)
                .where(Listing.seller_id == listing.seller_id, Listing.id != listing_id)
                .order_by(Listing.first_seen.desc())
                .limit(SAME_SELLER_LIMIT)
            )
        )
    return ListingDetail(
        listing=listing,
        hit=hit,
        device=_device(hit.device_id if hit else None),
        title_spans=reason_spans(reasons, "title"),
        description_spans=reason_spans(reasons, "description"),
        snapshots=sorted(listing.snapshots, key=lambda s: s.first_seen, reverse=True),
        captures=captures,
        custody=custody_entries(session, [listing_id]),
        same_seller=same_seller,
        relisting_of=session.get(Listing, listing.relisting_of_id) if listing.relisting_of_id else None,
        images=list(
            session.scalars(
                select(ListingImage)
                .where(ListingImage.listing_id == listing_id)
                .order_by(ListingImage.position)
            )
        ),
        similar_images=similar_listings(session, listing_id, image_max_distance)[:SAME_SELLER_LIMIT],
    )


def _device(device_id: str | None) -> Device | None:
    if not device_id:
        return None
    try:
        return active_catalog().get(device_id)
    except KeyError:
        return None
