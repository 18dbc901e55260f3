"""`thumbwatch rescore`: re-score every stored listing after a catalog or matcher change.

Each listing is scored from its current content (title, description, attributes) with the
current matcher and catalog; the verdict is stored as the hit of the current
(matcher_version, catalog_version), flagged or not, so that it supersedes older hits. Older hits
are kept for the record. What moved is measured against each listing's previous latest hit:
newly flagged, no longer flagged, tier, device or score changed.

Idempotent: a listing whose current-version hit already says the same and is already its latest
hit is not written again, so a second run writes and reports nothing. A dry run reports the same
and writes nothing: what a candidate catalog (``THUMBWATCH_CATALOG_PATH``) would move, before a
unit imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from matching.matcher import MATCHER_VERSION, Matcher
from matching.result import MatchResult
from storage.db import read_session
from storage.models import Hit, Listing, ListingSnapshot
from storage.repository import CURRENT_SNAPSHOT, IdRange, hits_for_version, latest_verdicts, upsert_hits

__all__ = ["MOVED_COLUMNS", "Moved", "RescoreReport", "rescore"]

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
    dry_run: bool = False
    listings: int = 0
    flagged: int = 0
    hits_written: int = 0  # in a dry run: the hits a real run would write
    moved: list[Moved] = field(default_factory=list)

    def add(self, other: RescoreReport) -> None:
        """Take in the report of another part of the same re-score."""
        self.listings += other.listings
        self.flagged += other.flagged
        self.hits_written += other.hits_written
        self.moved.extend(other.moved)

    def count(self, change: str) -> int:
        """How many moved listings have this change (e.g. "newly flagged", "tier")."""
        return sum(change in m.changes for m in self.moved)

    def summary(self) -> str:
        return (
            f"{self.listings} listings re-scored with matcher {self.matcher_version}, catalog "
            f"{self.catalog_version[:12]}: {self.flagged} flagged, {len(self.moved)} moved "
            f"({self.count('newly flagged')} newly flagged, {self.count('no longer flagged')} no longer "
            f"flagged, {self.count('tier')} tier, {self.count('device')} device, {self.count('score')} "
            f"score changed), "
            + (
                f"{self.hits_written} hits would be written (dry run: nothing stored)"
                if self.dry_run
                else f"{self.hits_written} hits written"
            )
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


def _id_ranges(session_factory: sessionmaker[Session], size: int) -> Iterator[IdRange]:
    """The listing ids cut into ranges of `size` listings, the last one open-ended. Each cut is
    found by one short query when the range is needed, so no read stays open while the ranges
    are re-scored."""
    after = 0
    while True:
        with read_session(session_factory) as session:
            last = session.scalar(
                select(Listing.id).where(Listing.id > after).order_by(Listing.id).offset(size - 1).limit(1)
            )
        yield IdRange(after, last)
        if last is None:
            return
        after = last


def _listings_in(session: Session, ids: IdRange) -> Sequence[Any]:
    """Each listing's id, content and current snapshot (the one holding that content), by id."""
    stmt = (
        select(
            Listing.id,
            Listing.title,
            Listing.description,
            Listing.attributes,
            ListingSnapshot.id.label("snapshot_id"),
        )
        .outerjoin(ListingSnapshot, CURRENT_SNAPSHOT)
        .where(ids.holds(Listing.id))
        .order_by(Listing.id)
    )
    # Core rows: the ORM's result processing cost more than the read.
    return session.connection().execute(stmt).all()


def _verdicts_to_write(
    scored: Sequence[tuple[Any, MatchResult]],
    latest: dict[int, Any],
    current: dict[int, Hit],
    report: RescoreReport,
) -> list[tuple[int, int | None, MatchResult]]:
    """Count the scored listings and what moved in `report`; the (listing id, snapshot id,
    verdict) to store. `latest` holds each listing's latest hit (`latest_verdicts`), `current`
    its hit of the report's matcher and catalog versions if it has one."""
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
    return to_write


@dataclass(frozen=True, slots=True)
class _Range:
    """One piece of a re-score: a range of listings of the database at `url`."""

    url: str | None  # None: a database only this process can open (in memory)
    ids: IdRange
    now: datetime
    dry_run: bool


def _rescore_range(session_factory: sessionmaker[Session], matcher: Matcher, piece: _Range) -> RescoreReport:
    """Re-score one range of listings; what moved comes back as a report of its own.

    The listings and their hits are read in one snapshot that takes no write lock, and only the
    verdicts to store are written in a transaction of their own, so several processes re-scoring
    ranges of one SQLite file hold its write lock briefly. A hit stored for one of these listings
    in between (by a crawl) is superseded as any older hit is: the upsert is keyed on the listing
    and the versions.
    """
    report = RescoreReport(MATCHER_VERSION, matcher.catalog.version, dry_run=piece.dry_run)
    with read_session(session_factory) as session:
        rows = _listings_in(session, piece.ids)
        latest = latest_verdicts(session, piece.ids)
        current = hits_for_version(session, piece.ids, report.matcher_version, report.catalog_version)
    scored = [(row, matcher.score_listing(row.title, row.description, row.attributes)) for row in rows]
    to_write = _verdicts_to_write(scored, latest, current, report)
    if piece.dry_run:
        report.hits_written += len(to_write)
    elif to_write:
        with session_factory.begin() as session:
            report.hits_written += upsert_hits(session, to_write, piece.now)
    return report


def _rescore_range_in_helper(matcher: Matcher, piece: _Range) -> RescoreReport:
    """`_rescore_range` in a helper process, on its own connection to the same database."""
    from storage.db import worker_sessions

    assert piece.url is not None
    return _rescore_range(worker_sessions(piece.url), matcher, piece)


def _shared_url(session_factory: sessionmaker[Session]) -> str | None:
    """The URL other processes can open the same database by (a SQLite file by its absolute
    path: helpers run elsewhere); None for one they cannot (in memory, or a SQLite URI)."""
    engine = session_factory.kw.get("bind")
    if engine is None:
        return None
    url = engine.url
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:") or url.query.get("uri"):
            return None
        url = url.set(database=str(Path(url.database).resolve()))
    return str(url.render_as_string(hide_password=False))


def rescore(
    session_factory: sessionmaker[Session],
    matcher: Matcher,
    batch_size: int = BATCH,
    now: datetime | None = None,
    dry_run: bool = False,
    on_progress: Callable[[RescoreReport, int], None] | None = None,
) -> RescoreReport:
    """Re-score every stored listing with `matcher`, `batch_size` listings (one range of ids) at
    a time, each range in one transaction; with `dry_run`, report the same and write nothing.
    `on_progress` is called after each range with the report so far and the number of listings.

    From the matcher's `parallel_min` listings on, its helper processes re-score ranges too, on
    their own connections (`Matcher.run_tasks`): reading, scoring and writing all spread over
    the cores, and only the reports of what moved cross a pipe. Ranges are disjoint and every
    write is an upsert, so the processes never write the same row.
    """
    now = now or datetime.now(UTC)
    report = RescoreReport(MATCHER_VERSION, matcher.catalog.version, dry_run=dry_run)
    url = _shared_url(session_factory)
    with read_session(session_factory) as session:
        total = session.scalar(select(func.count(Listing.id))) or 0
    pieces = (_Range(url, ids, now, dry_run) for ids in _id_ranges(session_factory, batch_size))
    local = partial(_rescore_range, session_factory, matcher)
    # Helpers only for a database they can open too.
    for done in matcher.run_tasks(_rescore_range_in_helper, pieces, total if url else 0, local):
        report.add(done)
        if on_progress is not None:
            on_progress(report, total)
    return report
