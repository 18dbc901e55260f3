"""The console's referral page: confirmed listings ready to refer, past referrals, and building a
package through `evidence.referral.export_referral` (the same code as `thumbwatch export referral`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from crawler.catalog_store import active_catalog
from crawler.config import ThumbwatchSettings
from evidence.notice import NoticeConfigError, configured_unit
from evidence.referral import EvidenceIntegrityError, ReferralError, ReferralExport, export_referral
from evidence.store import evidence_store
from review.accounts import SessionUser
from storage.models import (
    Capture,
    CustodyEntry,
    Listing,
    Marketplace,
    Referral,
    ReferralListing,
    ReviewStatus,
    utcnow,
)
from storage.repository import latest_hits


@dataclass(frozen=True)
class Candidate:
    listing: Listing
    score: int | None
    device: str | None
    confirmed_by: str | None
    has_evidence: bool
    own_confirmation: bool


@dataclass(frozen=True)
class PastReferral:
    referral: Referral
    marketplace: str
    listings: int
    downloadable: bool


def referral_candidates(session: Session, user: SessionUser, four_eyes: bool) -> dict[str, list[Candidate]]:
    """Confirmed listings by marketplace, with who confirmed them and whether evidence exists."""
    rows = session.execute(
        select(Listing, Marketplace.slug)
        .join(Marketplace, Marketplace.id == Listing.marketplace_id)
        .where(Listing.review_status == ReviewStatus.CONFIRMED)
        .order_by(Marketplace.slug, Listing.id)
    ).all()
    ids = [listing.id for listing, _ in rows]
    hits = latest_hits(session, ids)
    with_evidence = set(session.scalars(select(Capture.listing_id).where(Capture.listing_id.in_(ids))))
    confirmed_by: dict[int, str] = {}
    for listing_id, actor in session.execute(
        select(CustodyEntry.listing_id, CustodyEntry.actor)
        .where(CustodyEntry.listing_id.in_(ids), CustodyEntry.action == "review.confirmed")
        .order_by(CustodyEntry.id)
    ):
        confirmed_by[listing_id] = actor
    grouped: dict[str, list[Candidate]] = {}
    for listing, slug in rows:
        hit = hits.get(listing.id)
        who = confirmed_by.get(listing.id)
        grouped.setdefault(slug, []).append(
            Candidate(
                listing=listing,
                score=hit.score if hit else None,
                device=(hit.device_name or hit.device_id) if hit else None,
                confirmed_by=who,
                has_evidence=listing.id in with_evidence,
                own_confirmation=four_eyes and who == actor_of(user),
            )
        )
    return grouped


def past_referrals(session: Session, limit: int = 100) -> list[PastReferral]:
    counts = (
        select(ReferralListing.referral_id, func.count().label("n"))
        .group_by(ReferralListing.referral_id)
        .subquery()
    )
    rows = session.execute(
        select(Referral, Marketplace.slug, counts.c.n)
        .join(Marketplace, Marketplace.id == Referral.marketplace_id)
        .outerjoin(counts, counts.c.referral_id == Referral.id)
        .order_by(Referral.id.desc())
        .limit(limit)
    ).all()
    return [PastReferral(r, slug, n or 0, Path(r.package_path).is_file()) for r, slug, n in rows]


def actor_of(user: SessionUser) -> str:
    return f"user:{user.name}"


def build_referral(
    sessions: sessionmaker[Session], settings: ThumbwatchSettings, user: SessionUser, listing_ids: list[int]
) -> ReferralExport:
    """Export the listings as one zip under ``$THUMBWATCH_HOME/referrals/`` and record it.

    Raises `ReferralError`, `NoticeConfigError` or `EvidenceIntegrityError` with a message to show.
    """
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    out = settings.ensure_home() / "referrals" / f"referral-{stamp}-{secrets.token_hex(4)}.zip"
    out.parent.mkdir(parents=True, exist_ok=True)
    return export_referral(
        sessions,
        listing_ids,
        out,
        store=evidence_store(),
        unit=configured_unit(),
        catalog=active_catalog(),
        actor=actor_of(user),
        role=user.role,
        four_eyes=settings.four_eyes,
    )


REFUSALS = (ReferralError, NoticeConfigError, EvidenceIntegrityError)
