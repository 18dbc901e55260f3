"""Relisting detection: a new listing that looks like the comeback of one removed after a referral.

Run after each crawl over the listings first seen in that run. A new listing is a relisting of
a removed listing of the same marketplace when, in this order of strength:

1. it comes from the same seller;
2. its main image is the same photo (perceptual hashes of the first image within
   ``THUMBWATCH_IMAGE_MAX_DISTANCE`` bits, the images pipeline's threshold; needs the crawl's
   image fingerprints in ``listing_images``);
3. its title is near-identical (rapidfuzz token-sort ratio at least
   ``THUMBWATCH_RELISTING_TITLE_SIMILARITY``) and the specs read from title and description
   (`matching.specs`) do not contradict each other (no kind with different values).

The listing gets ``relisting_of_id`` and ``relisting_reason`` (naming the original and its
referral) and a custody entry; the review queue puts relistings first. Only ``removed``
listings are originals: the workflow only reaches that status from ``referred``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, utils
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.config import get_settings
from evidence.custody import Clock, append_custody
from evidence.images import hamming_distance
from matching.specs import extract_specs
from matching.text import fold
from storage.models import CrawlRun, Listing, ListingImage, Referral, ReferralListing, ReviewStatus, utcnow

ACTOR = "relisting"
ACTION = "relisting.flagged"

SpecSignature = dict[str, frozenset[tuple[float, ...]]]


@dataclass(frozen=True)
class RelistingFound:
    listing_id: int
    original_id: int
    referral_id: int | None
    reason: str


def spec_signature(text: str) -> SpecSignature:
    """Spec kind -> the set of values the text states (e.g. battery -> {(350.0,)})."""
    found: defaultdict[str, set[tuple[float, ...]]] = defaultdict(set)
    for spec in extract_specs(fold(text)):
        found[spec.kind].add(spec.value)
    return {kind: frozenset(values) for kind, values in found.items()}


def specs_agree(a: SpecSignature, b: SpecSignature) -> bool:
    """No spec kind stated by both with different values."""
    return all(a[kind] == b[kind] for kind in a.keys() & b.keys())


def title_similarity(a: str, b: str) -> float:
    return fuzz.token_sort_ratio(a, b, processor=utils.default_process)


def main_image_hashes(session: Session, listing_ids: list[int]) -> dict[int, str]:
    """Listing id -> perceptual hash of its first fingerprinted image."""
    rows = session.execute(
        select(ListingImage.listing_id, ListingImage.phash)
        .where(ListingImage.listing_id.in_(listing_ids), ListingImage.phash.is_not(None))
        .order_by(ListingImage.listing_id, ListingImage.position, ListingImage.id)
    )
    hashes: dict[int, str] = {}
    for listing_id, phash in rows:
        if phash is not None:
            hashes.setdefault(listing_id, phash)
    return hashes


def latest_referrals(session: Session, listing_ids: list[int]) -> dict[int, int]:
    """Listing id -> id of the latest referral that named it."""
    rows = session.execute(
        select(ReferralListing.listing_id, Referral.id)
        .join(Referral, Referral.id == ReferralListing.referral_id)
        .where(ReferralListing.listing_id.in_(listing_ids))
        .order_by(Referral.created_at, Referral.id)
    )
    return {listing_id: referral_id for listing_id, referral_id in rows}


def _match(
    candidate: Listing,
    originals: list[Listing],
    images: dict[int, str],
    signatures: dict[int, SpecSignature],
    min_similarity: int,
    max_distance: int,
) -> tuple[Listing, str] | None:
    """The original `candidate` relists and why, strongest evidence first."""
    for original in originals:
        if candidate.seller_id is not None and candidate.seller_id == original.seller_id:
            return original, f"same seller as listing {original.id}"
    image = images.get(candidate.id)
    if image is not None:
        distances = [(hamming_distance(image, images[o.id]), o) for o in originals if o.id in images]
        close = [(distance, o) for distance, o in distances if distance <= max_distance]
        if close:
            distance, original = min(close, key=lambda pair: (pair[0], -pair[1].id))
            return original, f"same main image as listing {original.id} ({distance} of 64 hash bits differ)"
    scored = [(title_similarity(candidate.title, o.title), o) for o in originals]
    for score, original in sorted(scored, key=lambda pair: (-pair[0], -pair[1].id)):
        if score < min_similarity:
            break
        if specs_agree(signatures[candidate.id], signatures[original.id]):
            return original, f"title {score:.0f}% similar to listing {original.id}, specs agree"
    return None


def detect_relistings(session: Session, run_id: int, clock: Clock = utcnow) -> list[RelistingFound]:
    """Flag the relistings among the listings first seen in crawl run `run_id` (caller's transaction)."""
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise ValueError(f"crawl run {run_id} does not exist")
    candidates = list(
        session.scalars(
            select(Listing)
            .where(
                Listing.last_crawl_run_id == run_id,
                Listing.first_seen >= run.started_at,
                Listing.relisting_of_id.is_(None),
                Listing.review_status == ReviewStatus.NEW,
            )
            .order_by(Listing.id)
        )
    )
    if not candidates:
        return []
    marketplaces = {listing.marketplace_id for listing in candidates}
    removed = list(
        session.scalars(
            select(Listing)
            .where(Listing.review_status == ReviewStatus.REMOVED, Listing.marketplace_id.in_(marketplaces))
            .order_by(Listing.id.desc())
        )
    )
    if not removed:
        return []
    settings = get_settings()
    images = main_image_hashes(session, [listing.id for listing in (*candidates, *removed)])
    signatures = {
        listing.id: spec_signature(f"{listing.title}\n{listing.description}")
        for listing in (*candidates, *removed)
    }
    referrals = latest_referrals(session, [listing.id for listing in removed])
    found: list[RelistingFound] = []
    for candidate in candidates:
        originals = [o for o in removed if o.marketplace_id == candidate.marketplace_id]
        matched = _match(
            candidate,
            originals,
            images,
            signatures,
            settings.relisting_title_similarity,
            settings.image_max_distance,
        )
        if matched is None:
            continue
        original, why = matched
        referral_id = referrals.get(original.id)
        reason = f"{why}, removed after referral {referral_id}" if referral_id else f"{why}, removed"
        candidate.relisting_of_id = original.id
        candidate.relisting_reason = reason
        append_custody(
            session,
            actor=ACTOR,
            action=ACTION,
            listing_id=candidate.id,
            details={
                "original_listing_id": original.id,
                "referral_id": referral_id,
                "reason": reason,
                "crawl_run_id": run_id,
            },
            clock=clock,
        )
        found.append(RelistingFound(candidate.id, original.id, referral_id, reason))
    session.flush()
    return found
