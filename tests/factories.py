"""Test data builders shared by the storage, evidence and review tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from crawler.items import ListingItem
from matching import MatchResult, Reason
from storage.repository import store_listings

T0 = datetime(2026, 5, 20, 8, 0, tzinfo=UTC)


def make_match(score: int, flagged: bool = True, device: str | None = "l8star-bm10") -> MatchResult:
    return MatchResult(
        score=score,
        tier="high" if flagged else "none",
        flagged=flagged,
        device_id=device if flagged else None,
        device_name="L8star BM10" if flagged else None,
        reasons=(
            Reason(
                code="model",
                text="names L8star BM10",
                points=60.0,
                field="title",
                span=(0, 11),
                excerpt="L8star BM10",
            ),
        ),
        matcher_version="test-1",
        catalog_version="cat-1",
    )


def make_item(
    external_id: str = "A1",
    title: str = "L8star BM10 mini phone",
    fetched_at: datetime = T0,
    price: str = "19.99",
    score: int = 90,
    flagged: bool = True,
) -> ListingItem:
    item = ListingItem(
        marketplace="test-market",
        external_id=external_id,
        url=f"http://market.test/item/{external_id}",
        title=title,
        fetched_at=fetched_at,
        description="68x28x13 mm, 350 mAh",
        price=Decimal(price),
        currency="EUR",
        seller_name="Seller One",
        seller_url="http://market.test/seller/1",
        image_urls=["http://market.test/img/1.png"],
        ship_from="CN",
        attributes={"Battery": "350 mAh"},
    )
    item.match = make_match(score, flagged)
    return item


def stored_listing(sessions: sessionmaker[Session], **fields: object) -> ListingItem:
    """Store one listing (see `make_item` for the fields); the item carries its row ids."""
    item = make_item(**fields)  # type: ignore[arg-type]
    with sessions.begin() as session:
        store_listings(session, [item])
    return item
