"""The typed item that spiders yield and pipelines enrich and store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evidence.warc import CapturedExchange


@dataclass
class ListingItem:
    """One marketplace listing as read off a page.

    Spiders fill the page fields; `NormaliseListingPipeline` cleans them and
    `MatchListingPipeline` sets `match` (a `matching.MatchResult`).
    """

    marketplace: str
    external_id: str
    url: str
    title: str
    fetched_at: datetime
    description: str = ""
    price: Decimal | None = None
    currency: str | None = None
    seller_name: str | None = None
    seller_url: str | None = None
    image_urls: list[str] = field(default_factory=list)
    ship_from: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    match: Any = None
    # Set by `storage.repository.store_listings`: the stored rows this observation landed in.
    listing_id: int | None = None
    snapshot_id: int | None = None
    # Set by `ExchangeCaptureMiddleware`: the page's request and response, for evidence capture.
    exchange: CapturedExchange | None = field(default=None, repr=False)

    def content(self) -> dict[str, Any]:
        """The fields whose change makes a new snapshot (everything read off the page but time)."""
        return {
            "url": self.url,
            "title": self.title,
            "description": self.description,
            "price": None if self.price is None else str(self.price),
            "currency": self.currency,
            "seller_name": self.seller_name,
            "seller_url": self.seller_url,
            "image_urls": list(self.image_urls),
            "ship_from": self.ship_from,
            "attributes": dict(self.attributes),
        }
