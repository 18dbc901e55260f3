"""`thumbwatch rescore`: re-score every stored listing after a catalog or matcher change.

Each listing is scored from its current content (title, description, attributes) with the
current matcher and catalog; the verdict is stored as the hit of the current
(matcher_version, catalog_version), flagged or not, so that it supersedes older hits. Older hits
are kept for the record. What moved is measured against each listing's previous latest hit:
newly flagged, no longer flagged, tier, device or score changed.

Idempotent: a listing whose current-version hit already says the same and is already its latest
hit is not written again, so a second run writes and reports nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import tee
from typing import Annotated, Any

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crawler.cli import _sessions, err, guarded
from crawler.output import OutputFormat, write_rows
from matching.matcher import MATCHER_VERSION, Matcher
from matching.parallel import batched
from matching.result import MatchResult
from storage.models import Hit, Listing, ListingSnapshot
from storage.repository import CURRENT_SNAPSHOT, hits_for_version, latest_verdicts, upsert_hits

__all__ = ["MOVED_COLUMNS", "Moved", "RescoreReport", "rescore", "rescore_command"]

BATCH = 1000
MOVED_COLUMNS = (
    "listing_id",
    "change",
    "score_before",
    "score_after",
    "tier_before",
    "tier_after",
    "device_before",
    "device_after",
    "title",
)


@dataclass(frozen=True, slots=True)
class Moved:
    """One listing whose verdict differs from its previous latest hit."""

    listing_id: int
    title: str
    changes: tuple[str, ...]
    score_before: int | None
    score_after: int
    tier_before: str | None
    tier_after: str
    device_before: str | None
    device_after: str | None

    def to_row(self) -> dict[str, Any]:
        return {
            "listing_id": self.listing_id,
            "change": ", ".join(self.changes),
            "score_before": self.score_before,
            "score_after": self.score_after,
            "score_delta": None if self.score_before is None else self.score_after - self.score_before,
            "tier_before": self.tier_before,
            "tier_after": self.tier_after,
            "device_before": self.device_before,
            "device_after": self.device_after,
            "title": self.title,
        }


@dataclass(slots=True)
class RescoreReport:
    """What one re-score did and what moved."""

    matcher_version: str
    catalog_version: str
    listings: int = 0
    flagged: int = 0
    hits_written: int = 0
    moved: list[Moved] = field(default_factory=list)

    def count(self, change: str) -> int:
        """How many moved listings have this change (e.g. "newly flagged", "tier")."""
        return sum(change in m.changes for m in self.moved)

    def summary(self) -> str:
        return (
            f"{self.listings} listings re-scored with matcher {self.matcher_version}, catalog "
            f"{self.catalog_version[:12]}: {self.flagged} flagged, {len(self.moved)} moved "
            f"({self.count('newly flagged')} newly flagged, {self.count('no longer flagged')} no longer "
            f"flagged, {self.count('tier')} tier, {self.count('device')} device, {self.count('score')} "
            f"score changed), {self.hits_written} hits written"
        )


def _changes(before: Any, after: MatchResult) -> tuple[str, ...]:
    """What moved between a listing's latest verdict (a `latest_verdicts` row, or None) and now."""
    was_flagged = before is not None and before.tier != "none"
    if before is None:
        return ("newly flagged",) if after.flagged else ()
    changes = []
    if after.flagged and not was_flagged:
        changes.append("newly flagged")
    elif was_flagged and not after.flagged:
        changes.append("no longer flagged")
    elif before.tier != after.tier:
        changes.append("tier")
    if before.device_id != after.device_id:
        changes.append("device")
    if before.score != after.score:
        changes.append("score")
    return tuple(changes)


def _same(hit: Hit, result: MatchResult, snapshot_id: int | None) -> bool:
    return (
        hit.snapshot_id == snapshot_id
        and hit.score == result.score
        and hit.tier == result.tier
        and hit.device_id == result.device_id
        and hit.device_name == result.device_name
        and hit.reasons == result.reason_dicts()
    )


def _stored_listings(session_factory: sessionmaker[Session], page: int) -> Iterator[Any]:
    """Every stored listing's id, content and current snapshot (the one holding that content), by
    id, read `page` rows at a time, each page in a short transaction of its own (no read stays
    open while the batches are written)."""
    last_id = 0
    while True:
        with session_factory() as session:
            rows = (
                session.connection()  # Core rows: the ORM's result processing cost more than the read
                .execute(
                    select(
                        Listing.id,
                        Listing.title,
                        Listing.description,
                        Listing.attributes,
                        ListingSnapshot.id.label("snapshot_id"),
                    )
                    .outerjoin(ListingSnapshot, CURRENT_SNAPSHOT)
                    .where(Listing.id > last_id)
                    .order_by(Listing.id)
                    .limit(page)
                )
                .all()
            )
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def _rescore_batch(
    session: Session, scored: Sequence[tuple[Any, MatchResult]], report: RescoreReport, now: datetime
) -> None:
    ids = [row.id for row, _ in scored]
    latest = latest_verdicts(session, ids)
    current = hits_for_version(session, ids, report.matcher_version, report.catalog_version)
    to_write: list[tuple[int, int | None, MatchResult]] = []
    for row, result in scored:
        report.listings += 1
        report.flagged += result.flagged
        before, mine, snapshot_id = latest.get(row.id), current.get(row.id), row.snapshot_id
        changes = _changes(before, result)
        if changes:
            report.moved.append(
                Moved(
                    listing_id=row.id,
                    title=row.title,
                    changes=changes,
                    score_before=None if before is None else before.score,
                    score_after=result.score,
                    tier_before=None if before is None else before.tier,
                    tier_after=result.tier,
                    device_before=None if before is None else before.device_id,
                    device_after=result.device_id,
                )
            )
        if mine is None:
            # Never create a "not flagged" hit for a listing that has no hit at all.
            write = result.flagged or before is not None
        else:
            write = before is None or mine.id != before.id or not _same(mine, result, snapshot_id)
        if write:
            to_write.append((row.id, snapshot_id, result))
    report.hits_written += upsert_hits(session, to_write, now)


def rescore(
    session_factory: sessionmaker[Session],
    matcher: Matcher,
    batch_size: int = BATCH,
    now: datetime | None = None,
) -> RescoreReport:
    """Re-score every stored listing with `matcher`; one transaction per batch of listings.

    Listings are scored as a stream (`Matcher.score_stream`, on all cores for a large database)
    while the batches already scored are compared and written.
    """
    now = now or datetime.now(UTC)
    report = RescoreReport(matcher_version=MATCHER_VERSION, catalog_version=matcher.catalog.version)
    listings, kept = tee(_stored_listings(session_factory, batch_size))
    results = matcher.score_stream((row.title, row.description, row.attributes) for row in listings)
    for scored in batched(zip(kept, results, strict=True), batch_size):
        with session_factory.begin() as session:
            _rescore_batch(session, scored, report, now)
    return report


def rescore_command(
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output of the moved listings.")] = (
        OutputFormat.TABLE
    ),
) -> None:
    """Re-score stored listings with the current matcher and catalog; show what moved."""
    from crawler.catalog_store import active_matcher

    report = guarded(lambda: rescore(_sessions(), active_matcher()))
    err.print(report.summary(), highlight=False, soft_wrap=True)
    write_rows([m.to_row() for m in report.moved], fmt, MOVED_COLUMNS, title="moved")
