"""What the extractor returns: one page's fields, the layer that filled each, result cards."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# The layers in the order they run; a field keeps the first non-empty value offered.
STRUCTURED = "structured"
META = "meta"
STATE = "state"
MARKETPLACE = "marketplace"
HEURISTIC = "heuristic"
LAYERS = (STRUCTURED, META, STATE, MARKETPLACE, HEURISTIC)

FIELDS = ("title", "price", "currency", "sku", "availability", "brand", "images", "seller",
          "description", "attributes")
PRODUCT_OG_TYPES = frozenset({"product", "og:product", "product.item", "product.group"})
IN_STOCK = "InStock"
OUT_OF_STOCK = "OutOfStock"


@dataclass
class ResultCard:
    """One item on a search or category page."""

    url: str
    title: str | None = None
    price: Decimal | None = None
    currency: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "url": self.url,
                "price": None if self.price is None else str(self.price), "currency": self.currency}


@dataclass
class PageExtraction:
    """Fields read off one page; ``sources`` maps each filled field to the layer that filled it."""

    url: str | None = None
    title: str | None = None
    price: Decimal | None = None
    currency: str | None = None
    sku: str | None = None
    availability: str | None = None
    brand: str | None = None
    images: list[str] = field(default_factory=list)
    seller: str | None = None
    description: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    results: list[ResultCard] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    # The page's declared OpenGraph type ("product", "website"...), lower-cased.
    og_type: str | None = None
    # The page's own markup lists several products (tiles, an ItemList) and describes none
    # itself: a category or search page, whatever price a tile shows.
    listing: bool = False

    @property
    def external_id(self) -> str | None:
        """The marketplace's id for the listing (the sku field)."""
        return self.sku

    def fill(self, name: str, value: Any, layer: str) -> bool:
        """Set ``name`` from ``layer`` unless an earlier layer filled it; empty values are ignored."""
        if value is None or value == "" or value == [] or value == {}:
            return False
        if getattr(self, name) not in (None, "", [], {}):
            return False
        setattr(self, name, value)
        self.sources[name] = layer
        return True

    def fill_from(self, values: dict[str, Any], layer: str) -> None:
        """:meth:`fill` each pair; a price without a currency does not block a later currency."""
        for name, value in values.items():
            self.fill(name, value, layer)

    def missing(self) -> list[str]:
        return [name for name in (*FIELDS, "results") if getattr(self, name) in (None, "", [], {})]

    @property
    def declares_product(self) -> bool:
        """og:type says the page is one product (``product``, ``og:product``, ``product.item``)."""
        return self.og_type in PRODUCT_OG_TYPES

    @property
    def is_product(self) -> bool:
        """True when the page looks like a single listing: not a listing page, a title, and a
        price, an id or an og:type of product."""
        if self.listing or not self.title:
            return False
        return self.price is not None or bool(self.sku) or self.declares_product

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: Decimal as string, every field present (None when absent)."""
        return {
            "url": self.url,
            "title": self.title,
            "price": None if self.price is None else str(self.price),
            "currency": self.currency,
            "sku": self.sku,
            "availability": self.availability,
            "brand": self.brand,
            "images": list(self.images) or None,
            "seller": self.seller,
            "description": self.description,
            "attributes": dict(self.attributes) or None,
            "results": [card.to_dict() for card in self.results] or None,
            "og_type": self.og_type,
            "sources": dict(self.sources),
        }
