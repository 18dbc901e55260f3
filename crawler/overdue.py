"""Overdue referrals: listings still not removed `referral_overdue_days` after their referral.

The referral date is derived, not stored: the latest referral package (``referrals``) that named
the listing, or, for a listing referred without a package, the custody entry of the referral.
`overdue_report` gives the numbers a unit needs to chase each platform.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawler.config import get_settings
from crawler.followup import referred_listings
from storage.models import CustodyEntry, Referral, ReferralListing


@dataclass(frozen=True)
class OverdueReferral:
    listing_id: int
    marketplace: str
    url: str
    referred_at: datetime
    referral_id: int | None
    days: int


def referral_dates(session: Session, listing_ids: list[int]) -> dict[int, tuple[datetime, int | None]]:
    """Listing id -> (date of its latest referral, referral id); the custody entry when no package."""
    dates: dict[int, tuple[datetime, int | None]] = {}
    rows = session.execute(
        select(ReferralListing.listing_id, Referral.created_at, Referral.id)
        .join(Referral, Referral.id == ReferralListing.referral_id)
        .where(ReferralListing.listing_id.in_(listing_ids))
        .order_by(Referral.created_at, Referral.id)
    )
    for listing_id, created_at, referral_id in rows:
        dates[listing_id] = (created_at, referral_id)
    missing = [listing_id for listing_id in listing_ids if listing_id not in dates]
    if missing:
        entries = session.execute(
            select(CustodyEntry.listing_id, func.max(CustodyEntry.recorded_at))
            .where(CustodyEntry.listing_id.in_(missing), CustodyEntry.action == "review.referred")
            .group_by(CustodyEntry.listing_id)
        )
        for referred_id, recorded_at in entries:
            if referred_id is not None and recorded_at is not None:
                dates[referred_id] = (recorded_at, None)
    return dates


def overdue_referrals(session: Session, now: datetime, days: int | None = None) -> list[OverdueReferral]:
    """Referred listings still not removed `days` (default: configured) after their referral."""
    days = get_settings().referral_overdue_days if days is None else days
    targets = referred_listings(session)
    dates = referral_dates(session, [target.listing_id for target in targets])
    overdue = []
    for target in targets:
        if target.listing_id not in dates:
            continue
        referred_at, referral_id = dates[target.listing_id]
        if now - referred_at >= timedelta(days=days):
            overdue.append(
                OverdueReferral(
                    target.listing_id,
                    target.marketplace,
                    target.url,
                    referred_at,
                    referral_id,
                    (now - referred_at).days,
                )
            )
    return overdue


def overdue_report(session: Session, now: datetime, days: int | None = None) -> list[dict[str, Any]]:
    """Per marketplace: referred listings still up, how many overdue, the oldest referral."""
    targets = referred_listings(session)
    overdue = overdue_referrals(session, now, days)
    referred = Counter(target.marketplace for target in targets)
    rows = []
    for marketplace in sorted(referred):
        late = [item for item in overdue if item.marketplace == marketplace]
        rows.append(
            {
                "marketplace": marketplace,
                "referred": referred[marketplace],
                "overdue": len(late),
                "oldest_referral": min((i.referred_at for i in late), default=None),
                "max_days": max((i.days for i in late), default=0),
                "overdue_listings": [i.listing_id for i in late],
            }
        )
    return rows
