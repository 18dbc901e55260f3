"""The review queue: flagged listings with filters, sorting, pagination and counts per status.

A listing is in the queue when its latest hit (see `storage.repository.latest_hit_ranking`)
is flagged. Relistings of removed listings come first whatever the sort.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from storage.models import Hit, Listing, Marketplace, ReviewStatus, Seller
from storage.repository import latest_hit_ranking

PAGE_SIZES = (25, 50, 100)
SORTS = {
    "score": (Hit.score.desc(), Listing.id.desc()),
    "first_seen": (Listing.first_seen.desc(), Listing.id.desc()),
    "price": (Listing.price.asc().nulls_last(), Listing.id),
    "price_desc": (Listing.price.desc().nulls_last(), Listing.id),
}
TIERS = ("high", "medium", "low")


class FilterError(ValueError):
    """A filter value that cannot be used (named in the message)."""


@dataclass
class QueueFilters:
    """What the queue page's filter form holds (all optional)."""

    marketplace: str = ""
    device: str = ""
    tier: str = ""
    status: str = ""
    seller: str = ""
    q: str = ""
    first_seen_from: str = ""
    first_seen_to: str = ""
    sort: str = "score"
    page: int = 1
    per_page: int = 50
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, params: dict[str, str]) -> QueueFilters:
        """Read filters from query parameters; unusable values are dropped and named in `errors`."""
        filters = cls()
        for f in fields(cls):
            if f.name == "errors" or f.name not in params:
                continue
            raw = params[f.name].strip()
            if f.name in {"page", "per_page"}:
                try:
                    setattr(filters, f.name, int(raw))
                except ValueError:
                    filters.errors.append(f"{f.name}: not a number ({raw!r})")
            else:
                setattr(filters, f.name, raw[:200])
        if filters.sort not in SORTS:
            filters.errors.append(f"sort: unknown order {filters.sort!r}")
            filters.sort = "score"
        if filters.tier and filters.tier not in TIERS:
            filters.errors.append(f"tier: unknown tier {filters.tier!r}")
            filters.tier = ""
        if filters.status and filters.status not in {s.value for s in ReviewStatus}:
            filters.errors.append(f"status: unknown status {filters.status!r}")
            filters.status = ""
        filters.per_page = filters.per_page if filters.per_page in PAGE_SIZES else 50
        filters.page = max(1, filters.page)
        for name in ("first_seen_from", "first_seen_to"):
            value = getattr(filters, name)
            if value:
                try:
                    date.fromisoformat(value)
                except ValueError:
                    filters.errors.append(f"{name.replace('_', ' ')}: not a date YYYY-MM-DD ({value!r})")
                    setattr(filters, name, "")
        return filters

    def query_string(self, **changes: Any) -> dict[str, Any]:
        """These filters as query parameters, with `changes` applied (for links)."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "errors"}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass(frozen=True)
class QueueRow:
    listing_id: int
    marketplace: str
    title: str
    url: str
    price: Decimal | None
    currency: str | None
    seller: str | None
    device_id: str | None
    device_name: str | None
    score: int
    tier: str
    status: str
    first_seen: datetime
    relisting_of_id: int | None


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int
    counts: dict[str, int]


def _flagged() -> Select[Any]:
    latest = latest_hit_ranking()
    return (
        select(Hit, Listing, Marketplace.slug, Seller.name)
        .join(latest, (latest.c.hit_id == Hit.id) & (latest.c.rank == 1))
        .join(Listing, Listing.id == Hit.listing_id)
        .join(Marketplace, Marketplace.id == Listing.marketplace_id)
        .outerjoin(Seller, Seller.id == Listing.seller_id)
        .where(Hit.tier != "none")
    )


def _apply(stmt: Select[Any], filters: QueueFilters, with_status: bool = True) -> Select[Any]:
    if filters.marketplace:
        stmt = stmt.where(Marketplace.slug == filters.marketplace)
    if filters.device:
        stmt = stmt.where(Hit.device_id == filters.device)
    if filters.tier:
        stmt = stmt.where(Hit.tier == filters.tier)
    if with_status and filters.status:
        stmt = stmt.where(Listing.review_status == ReviewStatus(filters.status))
    if filters.seller:
        stmt = stmt.where(func.lower(Seller.name).contains(filters.seller.lower(), autoescape=True))
    if filters.q:
        needle = filters.q.lower()
        stmt = stmt.where(
            or_(
                func.lower(Listing.title).contains(needle, autoescape=True),
                func.lower(Listing.description).contains(needle, autoescape=True),
            )
        )
    if filters.first_seen_from:
        start = datetime.combine(date.fromisoformat(filters.first_seen_from), time(), UTC)
        stmt = stmt.where(Listing.first_seen >= start)
    if filters.first_seen_to:
        end = datetime.combine(date.fromisoformat(filters.first_seen_to), time(), UTC) + timedelta(days=1)
        stmt = stmt.where(Listing.first_seen < end)
    return stmt


def queue_page(session: Session, filters: QueueFilters) -> QueuePage:
    base = _apply(_flagged(), filters)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = max(1, -(-total // filters.per_page))
    page = min(filters.page, pages)
    relisting_first = Listing.relisting_of_id.is_(None)
    stmt = (
        base.order_by(relisting_first, *SORTS[filters.sort])
        .limit(filters.per_page)
        .offset((page - 1) * filters.per_page)
    )
    rows = [
        QueueRow(
            listing_id=listing.id,
            marketplace=slug,
            title=listing.title,
            url=listing.url,
            price=listing.price,
            currency=listing.currency,
            seller=seller,
            device_id=hit.device_id,
            device_name=hit.device_name,
            score=hit.score,
            tier=hit.tier,
            status=listing.review_status.value,
            first_seen=listing.first_seen,
            relisting_of_id=listing.relisting_of_id,
        )
        for hit, listing, slug, seller in session.execute(stmt)
    ]
    by_status = _apply(_flagged(), filters, with_status=False).subquery()
    counts = {status.value: 0 for status in ReviewStatus}
    for status, count in session.execute(
        select(by_status.c.review_status, func.count()).group_by(by_status.c.review_status)
    ):
        counts[ReviewStatus(status).value] = count
    return QueuePage(rows, total, page, pages, counts)


def filter_choices(session: Session) -> dict[str, list[str]]:
    """Values for the filter form's select boxes."""
    devices = select(Hit.device_id).where(Hit.device_id.is_not(None)).distinct()
    return {
        "marketplaces": list(session.scalars(select(Marketplace.slug).order_by(Marketplace.slug))),
        "devices": sorted(session.scalars(devices)),
    }
