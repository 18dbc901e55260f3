"""Search semantics, fault plan and ground truth of the sandbox sites.

The server answers searches with `SearchIndex.search` and `site_truth` predicts a crawl's
outcome with the very same function, so the two cannot drift apart: a listing matches a
query when every query token (casefolded, accents folded) is among the tokens of its title
and description; results keep catalogue order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from sandbox.catalogue import SandboxListing

PAGE_SIZE: dict[str, int] = {"bazaar": 20, "jsmarket": 20, "shop": 12}
DEFAULT_MAX_PAGES = 50
# Ordered: the first eligible listing of a site gets the first kind, and so on.
FAULT_KINDS: tuple[str, ...] = ("server_error", "malformed", "broken_link", "slow", "blocked_once")
# Faults a crawl recovers from (it backs off and retries): the listing is still stored.
RECOVERABLE_FAULTS = frozenset({"blocked_once"})
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=4096)
def tokens(text: str) -> frozenset[str]:
    """Search tokens of a text: casefolded words with accents removed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return frozenset(_WORD.findall(folded))


class SearchIndex:
    """An inverted index over one site's listings (catalogue order kept)."""

    def __init__(self, listings: Iterable[SandboxListing]) -> None:
        self.listings: list[SandboxListing] = list(listings)
        self._postings: dict[str, set[int]] = {}
        for position, listing in enumerate(self.listings):
            for token in tokens(f"{listing.title}\n{listing.description}"):
                self._postings.setdefault(token, set()).add(position)
        self._cache: dict[frozenset[str], list[SandboxListing]] = {}

    def search(self, query: str) -> list[SandboxListing]:
        """Listings whose title+description hold every token of `query` (all when empty)."""
        wanted = tokens(query)
        cached = self._cache.get(wanted)
        if cached is not None:
            return cached
        if not wanted:
            result = list(self.listings)
        else:
            sets = sorted((self._postings.get(token, set()) for token in wanted), key=len)
            hits = set.intersection(*sets) if sets[0] else set()
            result = [self.listings[position] for position in sorted(hits)]
        if len(self._cache) < 10_000:
            self._cache[wanted] = result
        return result


def site_listings(listings: Iterable[SandboxListing], site: str) -> list[SandboxListing]:
    return [listing for listing in listings if listing.site == site]


def fault_plan(listings: Sequence[SandboxListing], site: str) -> dict[str, str]:
    """Fault kind -> listing id for `site`, when the server runs with faults.

    The faults go to the first English named-model listings that a "mini phone" search
    finds (then to any listing it finds), so a crawl with the default queries meets them.
    """
    wanted = tokens("mini phone")

    def rank(listing: SandboxListing) -> int:
        reached = wanted <= tokens(f"{listing.title}\n{listing.description}")
        if reached and listing.kind == "named-model" and listing.language == "en":
            return 0
        return 1 if reached else 2

    own = site_listings(listings, site)
    chosen = sorted(own, key=rank)[: len(FAULT_KINDS)]  # sorted() is stable: catalogue order
    return {kind: listing.id for kind, listing in zip(FAULT_KINDS, chosen, strict=False)}


@dataclass(frozen=True)
class SiteTruth:
    """What a crawl of one site that sends `queries` should store."""

    site: str
    queries: tuple[str, ...]
    matched_ids: frozenset[str]  # every listing the searches show (within max_pages)
    listed_ids: frozenset[str]  # of those, the ones a crawl stores (faulted ones left out)
    hit_ids: frozenset[str]  # of listed_ids, the true contraband-type phones
    fault_ids: dict[str, str] = field(default_factory=dict)  # fault kind -> id, when reached


def site_truth(
    listings: Sequence[SandboxListing],
    site: str,
    queries: Sequence[str],
    *,
    faults: bool = False,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> SiteTruth:
    """Ground truth for a crawl of `site` sending `queries`, following up to `max_pages`.

    With ``faults=True`` (a server started with faults) the faulted listings that the
    searches reach are in `fault_ids` and not in `listed_ids`: the 500 and slow pages (the
    crawl's DOWNLOAD_TIMEOUT below 5 s) fail, the malformed page is dropped, and the broken
    link never reaches the listing. The listing behind the anti-bot page served once
    (``blocked_once``, bazaar only) is stored after the crawl's retry.
    """
    index = SearchIndex(site_listings(listings, site))
    limit = PAGE_SIZE[site] * max_pages
    matched: dict[str, SandboxListing] = {}
    for query in queries:
        for listing in index.search(query)[:limit]:
            matched[listing.id] = listing
    plan = fault_plan(listings, site) if faults else {}
    reached = {kind: listing_id for kind, listing_id in plan.items() if listing_id in matched}
    faulted = {listing_id for kind, listing_id in reached.items() if kind not in RECOVERABLE_FAULTS}
    listed = {listing_id for listing_id in matched if listing_id not in faulted}
    return SiteTruth(
        site=site,
        queries=tuple(queries),
        matched_ids=frozenset(matched),
        listed_ids=frozenset(listed),
        hit_ids=frozenset(i for i in listed if matched[i].is_hit),
        fault_ids=reached,
    )
