"""Pure parse functions of the sandbox sites: a Scrapy response in, a page record out.

Each site module has ``parse_search_page(response) -> SearchPage`` and
``parse_item_page(response, marketplace, fetched_at=None) -> ListingItem``; they raise
`spiders.errors.MalformedPage` when a required field is missing and never touch the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from parsel import Selector, SelectorList
from scrapy.http import TextResponse

from crawler.normalise import canonical_url, clean_text
from spiders.errors import MalformedPage


@dataclass(frozen=True, slots=True)
class SearchPage:
    """The item links of one result page and the next result page, if any."""

    item_urls: list[str] = field(default_factory=list)
    next_page_url: str | None = None


def text_of(selection: Selector | SelectorList[Selector]) -> str:
    """The element's whole text, whitespace collapsed."""
    return clean_text(" ".join(selection.css("::text").getall()))


def lines_of(text: str) -> str:
    """Multi-line text with each line cleaned and blank lines dropped."""
    return "\n".join(clean_text(line) for line in text.splitlines() if line.strip())


def absolute_urls(response: TextResponse, urls: list[str]) -> list[str]:
    return [canonical_url(response.urljoin(url)) for url in urls if url.strip()]


def require(value: str | None, response: TextResponse, what: str) -> str:
    if not value:
        raise MalformedPage(response.url, f"no {what}")
    return value


def now_utc(fetched_at: datetime | None) -> datetime:
    return fetched_at if fetched_at is not None else datetime.now(UTC)
