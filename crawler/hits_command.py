"""``thumbwatch hits``: flagged listings with their best device, score and tier.

Loaded by `crawler.cli` when the command is run: the hit filters import the database models.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from crawler import hit_filters
from crawler.catalog_store import active_catalog
from crawler.cli import _sessions, guarded
from crawler.output import OutputFormat, write_rows
from storage.repository import list_hits

__all__ = ["HIT_COLUMNS", "hits"]

HIT_COLUMNS = (
    "listing_id",
    "marketplace",
    "device",
    "score",
    "tier",
    "price",
    "currency",
    "title",
    "url",
)


def hits(
    min_score: Annotated[int, typer.Option("--min-score", min=0, max=100)] = 0,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
    limit: Annotated[int | None, typer.Option(min=1)] = None,
    marketplace: hit_filters.MarketplaceOption = None,
    device: hit_filters.DeviceOption = None,
    tier: hit_filters.TierOption = None,
    status: hit_filters.StatusOption = None,
    since: hit_filters.SinceOption = None,
    until: hit_filters.UntilOption = None,
) -> None:
    """Flagged listings with their best device, score and tier."""
    filters = hit_filters.hit_filters(marketplace, device, tier, status, since, until)

    def rows() -> list[dict[str, Any]]:
        devices = {d.id for d in active_catalog().devices} if filters.devices else set()
        with _sessions()() as session:
            hit_filters.check_known(session, filters, devices)
            return list_hits(session, min_score=min_score, limit=limit, filters=filters)

    write_rows(guarded(rows), fmt, HIT_COLUMNS, title="hits")
