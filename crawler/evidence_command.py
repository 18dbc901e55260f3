"""`thumbwatch evidence LISTING_ID`: a listing's captures and their evidence items."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from crawler.cli import UsageProblem, _sessions, err, guarded
from crawler.output import OutputFormat, write_rows
from storage.models import Listing

__all__ = ["EVIDENCE_COLUMNS", "evidence_command", "evidence_rows"]

EVIDENCE_COLUMNS = ("capture_id", "captured_at", "kind", "sha256", "size", "media_type", "tool")


def evidence_rows(session: Session, listing_id: int) -> list[dict[str, Any]] | None:
    """One row per evidence item of the listing's captures, oldest first; None: no such listing."""
    # Imported late: the console script's editable install may predate the `evidence` package.
    from evidence.capture import listing_captures

    if session.get(Listing, listing_id) is None:
        return None
    return [
        {
            "listing_id": listing_id,
            "capture_id": capture.id,
            "purpose": capture.purpose,
            "crawl_run_id": capture.crawl_run_id,
            "snapshot_id": capture.snapshot_id,
            "captured_by": capture.captured_by,
            "captured_at": item.captured_at.isoformat(),
            "kind": item.kind,
            "sha256": item.sha256,
            "size": item.size,
            "media_type": item.media_type,
            "tool": f"{item.tool_name} {item.tool_version}",
            "source_url": item.source_url,
        }
        for capture in listing_captures(session, listing_id)
        for item in capture.items
    ]


def evidence_command(
    listing_id: Annotated[int, typer.Argument(help="The listing's id (see `thumbwatch hits`).")],
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """A listing's evidence captures: kind, SHA-256, size, media type, when and by which tool."""
    def rows() -> list[dict[str, Any]]:
        with _sessions()() as session:
            found = evidence_rows(session, listing_id)
        if found is None:
            raise UsageProblem(f"listing {listing_id}: no such listing")
        return found

    found = guarded(rows)
    if not found:
        err.print(f"listing {listing_id} has no evidence captures", highlight=False)
    write_rows(found, fmt, EVIDENCE_COLUMNS, title=f"evidence of listing {listing_id}")
