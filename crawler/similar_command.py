"""`thumbwatch similar`: listings showing a near-identical image, to link sellers and names.

``thumbwatch similar LISTING_ID`` lists the other listings with an image within
``--max-distance`` bits (default ``THUMBWATCH_IMAGE_MAX_DISTANCE``) of one of the listing's
images, closest first; ``thumbwatch similar --groups`` lists clusters of listings linked by
such images that span at least ``--min-sellers`` sellers. A thin layer over `storage.images`.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from crawler.cli import UsageProblem, _sessions, err, get_settings, guarded
from crawler.output import OutputFormat, write_rows

__all__ = ["GROUP_COLUMNS", "SIMILAR_COLUMNS", "similar_command"]

SIMILAR_COLUMNS = ("listing_id", "distance", "marketplace", "seller", "review_status", "title", "url")
GROUP_COLUMNS = (
    "group",
    "listings",
    "sellers",
    "max_distance",
    "marketplaces",
    "listing_ids",
    "seller_names",
)


def similar_command(
    listing_id: Annotated[int | None, typer.Argument(help="The listing whose images to look for.")] = None,
    max_distance: Annotated[
        int | None,
        typer.Option("--max-distance", min=0, max=64, help="Bits; default THUMBWATCH_IMAGE_MAX_DISTANCE."),
    ] = None,
    groups: Annotated[
        bool, typer.Option("--groups", help="List clusters of listings sharing an image instead.")
    ] = False,
    min_sellers: Annotated[
        int, typer.Option("--min-sellers", min=1, help="With --groups: sellers a cluster must span.")
    ] = 2,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """Listings with a near-identical image (perceptual hash) to a listing's, or --groups of them."""
    from storage.images import UnknownListing, hashed_image_urls, image_groups, similar_listings

    distance = get_settings().image_max_distance if max_distance is None else max_distance

    def rows() -> list[dict[str, Any]]:
        if groups == (listing_id is not None):
            raise UsageProblem("give either a LISTING_ID or --groups")
        with _sessions()() as session:
            if listing_id is None:
                clusters = image_groups(session, distance, min_sellers)
                return [group.to_row(number) for number, group in enumerate(clusters, start=1)]
            try:
                near = similar_listings(session, listing_id, distance)
            except UnknownListing as exc:
                raise UsageProblem(str(exc)) from None
            if not hashed_image_urls(session, listing_id):
                err.print(
                    f"listing {listing_id} has no hashed image yet (a crawl fetches the images of "
                    "the listings THUMBWATCH_IMAGE_FETCH selects: flagged ones by default)",
                    highlight=False,
                )
            return [match.to_row() for match in near]

    found = guarded(rows)
    if groups:
        err.print(f"{len(found)} group(s) within {distance} bits", highlight=False)
        write_rows(found, fmt, GROUP_COLUMNS, title="listings sharing an image")
    else:
        err.print(f"{len(found)} listing(s) within {distance} bits of listing {listing_id}", highlight=False)
        write_rows(found, fmt, SIMILAR_COLUMNS, title=f"listings with an image like listing {listing_id}'s")
