"""Listing images in the database: idempotent writes, and near-identical images across listings.

`upsert_listing_images` writes one row per (listing, image URL), so a recrawl or a retried
batch never adds rows; an observation that failed never overwrites a hash already stored, and
an older observation never overwrites a newer one. `similar_listings` finds the listings showing
a near-identical image (perceptual hashes within a Hamming distance) and `image_groups` the
clusters of such listings across sellers: the same photo reused under another seller or name.

Hashes are compared in memory (numpy XOR and popcount over every stored hash): exact even at
tens of thousands of images, where index tricks on the hex strings would miss near matches.
Like `storage.repository`, functions take a `Session` and never open one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, cast

import numpy as np
from sqlalchemy import Table, and_, case, or_, select
from sqlalchemy.orm import Session

from evidence.images import close_pairs, distances_to, hash_array
from storage.models import Listing, ListingImage, Marketplace, Seller
from storage.repository import _insert


@dataclass(frozen=True, slots=True)
class ImageRecord:
    """One observation of one listing image: its fingerprint, or why there is none."""

    listing_id: int
    url: str
    position: int
    fetched_at: datetime
    crawl_run_id: int | None = None
    sha256: str | None = None
    phash: str | None = None
    width: int | None = None
    height: int | None = None
    media_type: str | None = None
    error: str | None = None


_UPDATED_COLUMNS = (
    "position",
    "sha256",
    "phash",
    "width",
    "height",
    "media_type",
    "error",
    "fetched_at",
    "crawl_run_id",
)


def upsert_listing_images(session: Session, records: Sequence[ImageRecord]) -> int:
    """Insert or update one row per (listing, URL); returns how many records were written."""
    if not records:
        return 0
    table = cast(Table, ListingImage.__table__)
    stmt = _insert(session, table)
    incoming = stmt.excluded
    keep_stored = or_(
        and_(incoming.phash.is_(None), table.c.phash.is_not(None)),
        incoming.fetched_at < table.c.fetched_at,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["listing_id", "url"],
        set_={c: case((keep_stored, table.c[c]), else_=incoming[c]) for c in _UPDATED_COLUMNS},
    )
    session.execute(stmt, [asdict(record) for record in records])
    return len(records)


def hashed_image_urls(session: Session, listing_id: int) -> set[str]:
    """URLs of `listing_id`'s images that already have a perceptual hash (no need to refetch)."""
    stmt = select(ListingImage.url).where(
        ListingImage.listing_id == listing_id, ListingImage.phash.is_not(None)
    )
    return set(session.scalars(stmt))


@dataclass(frozen=True, slots=True)
class ListingSummary:
    listing_id: int
    marketplace: str
    external_id: str
    seller_id: int | None
    seller: str | None
    title: str
    url: str
    review_status: str


@dataclass(frozen=True, slots=True)
class SimilarListing:
    """Another listing with an image within the distance of one of the listing's images."""

    listing: ListingSummary
    distance: int  # the smallest over its matching image pairs
    image_url: str  # its image
    matched_image_url: str  # the queried listing's image it is near

    def to_row(self) -> dict[str, Any]:
        return {
            **asdict(self.listing),
            "distance": self.distance,
            "image_url": self.image_url,
            "matched_image_url": self.matched_image_url,
        }


@dataclass(slots=True)
class ImageGroup:
    """Listings linked by near-identical images (directly or through each other)."""

    listings: list[ListingSummary]
    max_distance: int  # the largest distance among the image pairs that linked the group

    @property
    def seller_count(self) -> int:
        # A listing without a known seller may be anyone's: it counts as a seller of its own.
        return len({x.seller_id or f"listing-{x.listing_id}" for x in self.listings})

    def to_row(self, number: int) -> dict[str, Any]:
        return {
            "group": number,
            "listings": len(self.listings),
            "sellers": self.seller_count,
            "marketplaces": sorted({x.marketplace for x in self.listings}),
            "listing_ids": [x.listing_id for x in self.listings],
            "seller_names": sorted({x.seller for x in self.listings if x.seller}),
            "max_distance": self.max_distance,
            "members": [asdict(x) for x in self.listings],
        }


class UnknownListing(LookupError):
    """No listing has the given id."""


def _hashed_images(session: Session) -> tuple[list[int], list[str], list[str]]:
    rows = session.execute(
        select(ListingImage.listing_id, ListingImage.url, ListingImage.phash)
        .where(ListingImage.phash.is_not(None))
        .order_by(ListingImage.listing_id, ListingImage.position, ListingImage.id)
    ).all()
    return [r.listing_id for r in rows], [r.url for r in rows], [r.phash for r in rows]


def _summaries(session: Session, listing_ids: Sequence[int]) -> dict[int, ListingSummary]:
    if not listing_ids:
        return {}
    rows = session.execute(
        select(
            Listing.id,
            Marketplace.slug,
            Listing.external_id,
            Listing.seller_id,
            Seller.name,
            Listing.title,
            Listing.url,
            Listing.review_status,
        )
        .join(Marketplace, Marketplace.id == Listing.marketplace_id)
        .outerjoin(Seller, Seller.id == Listing.seller_id)
        .where(Listing.id.in_(list(listing_ids)))
    )
    return {
        row[0]: ListingSummary(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7].value)
        for row in rows
    }


def similar_listings(session: Session, listing_id: int, max_distance: int) -> list[SimilarListing]:
    """Other listings with an image within `max_distance` bits of one of `listing_id`'s images.

    Closest first (then by listing id). `UnknownListing` when there is no such listing; an
    empty list when it has no hashed image or nothing is near.
    """
    if session.get(Listing, listing_id) is None:
        raise UnknownListing(f"listing {listing_id} does not exist")
    owners, urls, phashes = _hashed_images(session)
    if not phashes:
        return []
    owner_ids = np.array(owners)
    hashes = hash_array(phashes)
    best: dict[int, tuple[int, str, str]] = {}
    for own in np.nonzero(owner_ids == listing_id)[0]:
        distances = distances_to(phashes[own], hashes)
        for other in np.nonzero((distances <= max_distance) & (owner_ids != listing_id))[0]:
            candidate = (int(distances[other]), urls[other], urls[own])
            owner = owners[other]
            if owner not in best or candidate < best[owner]:
                best[owner] = candidate
    summaries = _summaries(session, list(best))
    found = [SimilarListing(summaries[owner], *match) for owner, match in best.items()]
    return sorted(found, key=lambda s: (s.distance, s.listing.listing_id))


def image_groups(session: Session, max_distance: int, min_sellers: int = 2) -> list[ImageGroup]:
    """Clusters of listings linked by images within `max_distance`, spanning `min_sellers` sellers.

    Linking is transitive (A near B and B near C puts A, B and C in one group). Largest groups
    first, then by their first listing id.
    """
    owners, _urls, phashes = _hashed_images(session)
    # Many listings reuse the very same file: compare each distinct hash once.
    distinct = sorted(set(phashes))
    clusters = _Clusters(len(distinct))
    for first, second, distance in close_pairs(hash_array(distinct), max_distance):
        clusters.join(first, second, distance)
    index = {phash: i for i, phash in enumerate(distinct)}
    first_image: dict[int, int] = {}
    for owner, phash in zip(owners, phashes, strict=True):
        # A listing links the clusters of all its images.
        image = index[phash]
        clusters.join(first_image.setdefault(owner, image), image, 0)
    members: dict[int, list[int]] = {}
    for owner, image in first_image.items():
        members.setdefault(clusters.root(image), []).append(owner)
    linked = {cluster: ids for cluster, ids in members.items() if len(ids) > 1}
    summaries = _summaries(session, [i for ids in linked.values() for i in ids])
    groups = [
        ImageGroup([summaries[i] for i in sorted(ids)], clusters.distance[cluster])
        for cluster, ids in linked.items()
    ]
    groups = [group for group in groups if group.seller_count >= min_sellers]
    return sorted(groups, key=lambda g: (-len(g.listings), g.listings[0].listing_id))


class _Clusters:
    """Union-find over image indices, remembering each cluster's largest link distance."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))
        self.distance = [0] * size

    def root(self, node: int) -> int:
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def join(self, first: int, second: int, distance: int) -> None:
        a, b = self.root(first), self.root(second)
        if a != b:
            self.parent[b] = a
        self.distance[a] = max(self.distance[a], self.distance[b], distance)
