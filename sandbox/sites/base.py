"""`Site`: what every sandbox site holds (its listings, search index, faults) and links."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from sandbox.catalogue import SandboxListing
from sandbox.search import SearchIndex, fault_plan, site_listings
from sandbox.sites.common import Response, block_page


class Site:
    """One site of the sandbox; subclasses route ``/<name>/...`` paths to pages."""

    name: ClassVar[str]

    def __init__(self, catalogue: Sequence[SandboxListing], faults: bool = False) -> None:
        self.listings = site_listings(catalogue, self.name)
        self.by_id = {listing.id: listing for listing in self.listings}
        self.index = SearchIndex(self.listings)
        plan = fault_plan(catalogue, self.name) if faults else {}
        self.faults: dict[str, str] = {listing_id: kind for kind, listing_id in plan.items()}
        self._challenged: set[str] = set()
        self._by_seller: dict[str, list[SandboxListing]] = {}
        for listing in self.listings:
            self._by_seller.setdefault(listing.seller_id, []).append(listing)

    def fault(self, listing: SandboxListing) -> str | None:
        return self.faults.get(listing.id)

    def challenge_once(self, listing: SandboxListing) -> Response | None:
        """The anti-bot interstitial a real marketplace serves, the first time only."""
        if self.fault(listing) != "blocked_once" or listing.id in self._challenged:
            return None
        self._challenged.add(listing.id)
        return block_page()

    def item_href(self, listing: SandboxListing) -> str:
        """The link result pages give to a listing; the broken-link fault points nowhere."""
        if self.fault(listing) == "broken_link":
            return f"{listing.path}-gone"
        return listing.path

    def seller_listings(self, seller_id: str) -> list[SandboxListing]:
        return self._by_seller.get(seller_id, [])

    def handle(self, parts: list[str], params: Mapping[str, str]) -> Response:
        """Answer the path segments after ``/<name>/`` with query `params`."""
        raise NotImplementedError
