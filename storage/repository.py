"""Idempotent writes and the common reads of the crawl data.

Functions take a `Session` and never open one: the caller owns the unit of work. Writes are
upserts on natural keys (`INSERT ... ON CONFLICT`, the same API on SQLite and PostgreSQL), so a
recrawl, a retried batch or two crawl processes writing the same listing never duplicate rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Table, bindparam, case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import (
    CrawlRun,
    Hit,
    JSONText,
    Listing,
    ListingSnapshot,
    Marketplace,
    ReviewStatus,
    RunStatus,
    Seller,
)

if TYPE_CHECKING:
    from crawler.items import ListingItem


@dataclass
class StoreSummary:
    """What one `store_listings` call wrote."""

    listings: int = 0
    snapshots_created: int = 0
    hits_written: int = 0


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a listing's content."""
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _insert(session: Session, table: Table) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _newer(table: Table, excluded: Any, column: str) -> ColumnElement[Any]:
    """The incoming value when the incoming row is at least as recent as the stored one.

    Two crawls may write the same listing out of order; the later observation wins.
    """
    return case((excluded.last_seen >= table.c.last_seen, excluded[column]), else_=table.c[column])


def _latest(table: Table, excluded: Any, column: str) -> ColumnElement[Any]:
    return case((excluded[column] > table.c[column], excluded[column]), else_=table.c[column])


def ensure_marketplace(session: Session, slug: str, name: str | None = None) -> int:
    table = Marketplace.__table__
    stmt = _insert(session, table).values(slug=slug, name=name or slug, created_at=datetime.now(UTC))
    session.execute(stmt.on_conflict_do_nothing(index_elements=["slug"]))
    return session.execute(select(Marketplace.id).where(Marketplace.slug == slug)).scalar_one()


def _upsert_sellers(session: Session, marketplace_id: int, items: Sequence[ListingItem]) -> dict[str, int]:
    """Seller external id -> row id for the sellers of `items` (one marketplace)."""
    latest: dict[str, ListingItem] = {}
    for item in items:
        key = item.seller_url or item.seller_name
        if key and (key not in latest or item.fetched_at >= latest[key].fetched_at):
            latest[key] = item
    if not latest:
        return {}
    table = Seller.__table__
    stmt = _insert(session, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["marketplace_id", "external_id"],
        set_={
            "name": _newer(table, stmt.excluded, "name"),
            "url": _newer(table, stmt.excluded, "url"),
            "last_seen": _latest(table, stmt.excluded, "last_seen"),
        },
    )
    session.execute(
        stmt,
        [
            {
                "marketplace_id": marketplace_id,
                "external_id": key,
                "name": item.seller_name,
                "url": item.seller_url,
                "first_seen": item.fetched_at,
                "last_seen": item.fetched_at,
            }
            for key, item in latest.items()
        ],
    )
    rows = session.execute(
        select(table.c.external_id, table.c.id).where(
            table.c.marketplace_id == marketplace_id, table.c.external_id.in_(list(latest))
        )
    )
    return {external_id: row_id for external_id, row_id in rows}


_LISTING_CONTENT_COLUMNS = (
    "url",
    "title",
    "description",
    "price",
    "currency",
    "seller_id",
    "ship_from",
    "image_urls",
    "attributes",
    "content_hash",
    "last_crawl_run_id",
)


def _upsert_listings(
    session: Session,
    marketplace_id: int,
    items: Sequence[ListingItem],
    sellers: dict[str, int],
    digests: dict[int, str],
    first_seen: dict[str, datetime],
    crawl_run_id: int | None,
) -> dict[str, int]:
    """Listing external id -> row id; `items` holds the latest item per external id."""
    table = Listing.__table__
    stmt = _insert(session, table)
    set_: dict[str, Any] = {c: _newer(table, stmt.excluded, c) for c in _LISTING_CONTENT_COLUMNS}
    set_["last_seen"] = _latest(table, stmt.excluded, "last_seen")
    set_["first_seen"] = case(
        (stmt.excluded.first_seen < table.c.first_seen, stmt.excluded.first_seen),
        else_=table.c.first_seen,
    )
    stmt = stmt.on_conflict_do_update(index_elements=["marketplace_id", "external_id"], set_=set_)
    session.execute(
        stmt,
        [
            {
                "marketplace_id": marketplace_id,
                "external_id": item.external_id,
                "url": item.url,
                "title": item.title,
                "description": item.description,
                "price": item.price,
                "currency": item.currency,
                "seller_id": sellers.get(item.seller_url or item.seller_name or ""),
                "ship_from": item.ship_from,
                "image_urls": list(item.image_urls),
                "attributes": dict(item.attributes),
                "content_hash": digests[id(item)],
                "first_seen": first_seen[item.external_id],
                "last_seen": item.fetched_at,
                "last_crawl_run_id": crawl_run_id,
                "review_status": "new",
            }
            for item in items
        ],
    )
    rows = session.execute(
        select(table.c.external_id, table.c.id).where(
            table.c.marketplace_id == marketplace_id,
            table.c.external_id.in_([item.external_id for item in items]),
        )
    )
    return {external_id: row_id for external_id, row_id in rows}


def _snapshot_ids(session: Session, keys: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
    table = ListingSnapshot.__table__
    rows = session.execute(
        select(table.c.listing_id, table.c.content_hash, table.c.id).where(
            table.c.listing_id.in_({listing_id for listing_id, _ in keys})
        )
    )
    return {(lid, digest): sid for lid, digest, sid in rows if (lid, digest) in keys}


def _upsert_snapshots(
    session: Session,
    observations: Sequence[tuple[int, ListingItem, dict[str, Any], str]],
    crawl_run_id: int | None,
) -> tuple[dict[tuple[int, str], int], int]:
    """Snapshot ids by (listing id, content hash), and how many were created.

    Known contents only get their ``last_seen`` bumped; new ones are inserted (a concurrent
    writer inserting the same content first is harmless: ``ON CONFLICT DO NOTHING``).
    """
    table = ListingSnapshot.__table__
    keys = {(listing_id, digest) for listing_id, _, _, digest in observations}
    known = _snapshot_ids(session, keys)
    fresh = [obs for obs in observations if (obs[0], obs[3]) not in known]
    seen = [obs for obs in observations if (obs[0], obs[3]) in known]
    if seen:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("sid"), table.c.last_seen < bindparam("seen"))
            .values(last_seen=bindparam("seen")),
            [{"sid": known[(lid, digest)], "seen": item.fetched_at} for lid, item, _, digest in seen],
            execution_options={"synchronize_session": False},
        )
    created = 0
    if fresh:
        inserted = session.execute(
            _insert(session, table)
            .on_conflict_do_nothing(index_elements=["listing_id", "content_hash"])
            .returning(table.c.id),
            [
                {
                    "listing_id": lid,
                    "content_hash": digest,
                    "content": content,
                    "fetched_at": item.fetched_at,
                    "first_seen": item.fetched_at,
                    "last_seen": item.fetched_at,
                    "crawl_run_id": crawl_run_id,
                }
                for lid, item, content, digest in fresh
            ],
        )
        created = len(inserted.all())
        known.update(_snapshot_ids(session, {(obs[0], obs[3]) for obs in fresh}))
    return known, created


def _write_hits(session: Session, scored: Sequence[tuple[int, int, Any]], now: datetime) -> int:
    """Upsert the hits of flagged listings; update (never create) those no longer flagged.

    `scored` holds (listing id, snapshot id, match result). Returns the flagged hits written.
    """
    table = Hit.__table__
    flagged = [_hit_values(*row, now) for row in scored if row[2].flagged]
    unflagged = [_hit_values(*row, now) for row in scored if not row[2].flagged]
    if flagged:
        _upsert_hit_rows(session, flagged, now)
    if unflagged:
        session.execute(
            update(table)
            .where(
                table.c.listing_id == bindparam("b_listing_id"),
                table.c.matcher_version == bindparam("b_matcher_version"),
                table.c.catalog_version == bindparam("b_catalog_version"),
            )
            .values({c: bindparam(c) for c in unflagged[0] if c not in _HIT_KEY}),
            [{**row, **{f"b_{k}": row[k] for k in _HIT_KEY}} for row in unflagged],
            execution_options={"synchronize_session": False},
        )
    return len(flagged)


_HIT_KEY = ("listing_id", "matcher_version", "catalog_version")


def _hit_values(listing_id: int, snapshot_id: int | None, match: Any, now: datetime) -> dict[str, Any]:
    return {
        "listing_id": listing_id,
        "matcher_version": match.matcher_version,
        "catalog_version": match.catalog_version,
        "snapshot_id": snapshot_id,
        "device_id": match.device_id,
        "device_name": match.device_name,
        "score": match.score,
        "tier": match.tier,
        "reasons": JSONText(match.reasons_json()),
        "updated_at": now,
    }


def _upsert_hit_rows(session: Session, rows: list[dict[str, Any]], now: datetime) -> None:
    table = Hit.__table__
    stmt = _insert(session, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(_HIT_KEY),
        set_={c: stmt.excluded[c] for c in rows[0] if c not in _HIT_KEY},
    )
    session.execute(stmt, [{**row, "created_at": now} for row in rows])


def upsert_hits(session: Session, scored: Sequence[tuple[int, int | None, Any]], now: datetime) -> int:
    """Upsert one hit per (listing id, snapshot id, match result), flagged or not.

    Unlike a crawl, which only records flagged listings, a re-score must also record a verdict
    of "not flagged" so that it supersedes an older flagged hit of the same listing.
    """
    if scored:
        _upsert_hit_rows(session, [_hit_values(lid, sid, match, now) for lid, sid, match in scored], now)
    return len(scored)


def latest_hit_ranking(*where: ColumnElement[bool]) -> Any:
    """Subquery ranking each listing's hits, newest first: join on ``hit_id`` and ``rank == 1``."""
    return (
        select(
            Hit.id.label("hit_id"),
            func.row_number()
            .over(partition_by=Hit.listing_id, order_by=(Hit.updated_at.desc(), Hit.id.desc()))
            .label("rank"),
        )
        .where(*where)
        .subquery()
    )


@dataclass(frozen=True, slots=True)
class IdRange:
    """The listings whose ids are in `after < id <= last` (`last` None: no upper bound)."""

    after: int
    last: int | None = None

    def holds(self, column: Any) -> ColumnElement[bool]:
        """The condition that `column` (a listing id) is in the range."""
        above = column > self.after
        return above if self.last is None else above & (column <= self.last)


# Listings named by their ids, or a range of ids (which costs the database an index range scan,
# not a list of a thousand bound values).
ListingIds = Sequence[int] | IdRange


def _of_listings(listings: ListingIds) -> ColumnElement[bool]:
    if isinstance(listings, IdRange):
        return listings.holds(Hit.listing_id)
    return Hit.listing_id.in_(list(listings))


def _latest_of(listings: ListingIds, *columns: Any) -> Any:
    """`columns` of each listing's most recent hit of any matcher/catalog version."""
    ranked = latest_hit_ranking(_of_listings(listings))
    return select(*columns).join(ranked, (ranked.c.hit_id == Hit.id) & (ranked.c.rank == 1))


def latest_hits(session: Session, listings: ListingIds) -> dict[int, Hit]:
    """Each listing's most recent hit of any matcher/catalog version (the one `list_hits` shows)."""
    if not listings:
        return {}
    return {hit.listing_id: hit for hit in session.scalars(_latest_of(listings, Hit))}


def latest_verdicts(session: Session, listings: ListingIds) -> dict[int, Any]:
    """Each listing's most recent hit, as `latest_hits` finds it, as a row of its `id`, `score`,
    `tier` and `device_id` only: what a re-score compares, without reading every hit's reasons."""
    if not listings:
        return {}
    stmt = _latest_of(listings, Hit.id, Hit.listing_id, Hit.score, Hit.tier, Hit.device_id)
    return {row.listing_id: row for row in session.execute(stmt)}


def hits_for_version(
    session: Session, listings: ListingIds, matcher_version: str, catalog_version: str
) -> dict[int, Hit]:
    """The hits of these listings for one matcher and catalog version, by listing id."""
    if not listings:
        return {}
    stmt = select(Hit).where(
        _of_listings(listings),
        Hit.matcher_version == matcher_version,
        Hit.catalog_version == catalog_version,
    )
    return {hit.listing_id: hit for hit in session.scalars(stmt)}


# Joins a listing to the snapshot holding its current content.
CURRENT_SNAPSHOT = (ListingSnapshot.listing_id == Listing.id) & (
    ListingSnapshot.content_hash == Listing.content_hash
)


def current_snapshot_ids(session: Session, listing_ids: Sequence[int]) -> dict[int, int]:
    """Listing id -> id of the snapshot holding the listing's current content (its content hash)."""
    if not listing_ids:
        return {}
    stmt = (
        select(Listing.id, ListingSnapshot.id)
        .join(ListingSnapshot, CURRENT_SNAPSHOT)
        .where(Listing.id.in_(list(listing_ids)))
    )
    return {listing_id: snapshot_id for listing_id, snapshot_id in session.execute(stmt)}


def store_listings(
    session: Session,
    items: Sequence[ListingItem],
    crawl_run_id: int | None = None,
    now: datetime | None = None,
) -> StoreSummary:
    """Store crawled listings with their sellers, content snapshots and hits, idempotently.

    Set-based: a handful of statements per marketplace in the batch, whatever its size.
    """
    now = now or datetime.now(UTC)
    summary = StoreSummary(listings=len(items))
    by_marketplace: dict[str, list[ListingItem]] = {}
    for item in items:
        by_marketplace.setdefault(item.marketplace, []).append(item)
    for slug, group in by_marketplace.items():
        marketplace_id = ensure_marketplace(session, slug)
        contents = {id(item): item.content() for item in group}
        digests = {key: content_hash(content) for key, content in contents.items()}
        # One row per listing in a statement (PostgreSQL refuses to upsert a row twice in
        # one statement): the latest observation stands for the listing's row.
        latest: dict[str, ListingItem] = {}
        first_seen: dict[str, datetime] = {}
        for item in group:
            key = item.external_id
            if key not in latest or item.fetched_at >= latest[key].fetched_at:
                latest[key] = item
            first_seen[key] = min(first_seen.get(key, item.fetched_at), item.fetched_at)
        sellers = _upsert_sellers(session, marketplace_id, group)
        listing_ids = _upsert_listings(
            session, marketplace_id, list(latest.values()), sellers, digests, first_seen, crawl_run_id
        )
        observations = [
            (listing_ids[item.external_id], item, contents[id(item)], digests[id(item)]) for item in group
        ]
        snapshots, created = _upsert_snapshots(session, _distinct(observations), crawl_run_id)
        summary.snapshots_created += created
        for item in group:
            item.listing_id = listing_ids[item.external_id]
            item.snapshot_id = snapshots[(item.listing_id, digests[id(item)])]
        scored = [
            (
                listing_ids[item.external_id],
                snapshots[(listing_ids[item.external_id], digests[id(item)])],
                item.match,
            )
            for item in latest.values()
            if item.match is not None
        ]
        summary.hits_written += _write_hits(session, scored, now)
    return summary


def _distinct(
    observations: list[tuple[int, ListingItem, dict[str, Any], str]],
) -> list[tuple[int, ListingItem, dict[str, Any], str]]:
    """One observation per (listing, content), the latest."""
    latest: dict[tuple[int, str], tuple[int, ListingItem, dict[str, Any], str]] = {}
    for obs in observations:
        key = (obs[0], obs[3])
        if key not in latest or obs[1].fetched_at >= latest[key][1].fetched_at:
            latest[key] = obs
    return list(latest.values())


def start_crawl_run(
    session: Session,
    spider: str,
    arguments: dict[str, Any],
    pid: int | None = None,
    now: datetime | None = None,
) -> int:
    now = now or datetime.now(UTC)
    run = CrawlRun(
        spider=spider,
        arguments=arguments,
        pid=pid,
        started_at=now,
        heartbeat_at=now,
        status=RunStatus.RUNNING,
        stats={},
    )
    session.add(run)
    session.flush()
    return run.id


def finish_crawl_run(
    session: Session,
    run_id: int,
    status: RunStatus,
    stats: dict[str, Any],
    error: str | None = None,
    now: datetime | None = None,
) -> None:
    """Close a run; a run already closed (e.g. by its child process) keeps its record."""
    session.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id, CrawlRun.status == RunStatus.RUNNING)
        .values(status=status, stats=stats, error=error, finished_at=now or datetime.now(UTC))
    )


def _stale_run(stale_after: timedelta, now: datetime) -> ColumnElement[bool]:
    last_sign = func.coalesce(CrawlRun.heartbeat_at, CrawlRun.started_at)
    return (CrawlRun.status == RunStatus.RUNNING) & (last_sign < now - stale_after)


def stale_runs(session: Session, stale_after: timedelta, now: datetime | None = None) -> list[Any]:
    """The runs still ``running`` whose last heartbeat (their start, for a run without one) is
    older than `stale_after`, as rows of `id`, `heartbeat_at` and `started_at`, by id."""
    condition = _stale_run(stale_after, now or datetime.now(UTC))
    columns = select(CrawlRun.id, CrawlRun.heartbeat_at, CrawlRun.started_at)
    return list(session.execute(columns.where(condition).order_by(CrawlRun.id)))


def close_stale_runs(session: Session, stale_after: timedelta, now: datetime | None = None) -> list[int]:
    """Close the `stale_runs` as ``interrupted``: their crawl process ended without closing them
    (killed with its parent, or its host stopped), so nothing else ever will. Returns the ids
    closed here; a run closed meanwhile by its own process, or by another process doing the same,
    is left as it is."""
    now = now or datetime.now(UTC)
    closed = []
    for run_id, heartbeat_at, started_at in stale_runs(session, stale_after, now):
        since = (heartbeat_at or started_at).isoformat(timespec="seconds")
        error = (
            f"no heartbeat since {since}: the crawl process ended without closing its run "
            "(killed together with its parent, or its host stopped)"
        )
        updated = session.execute(
            update(CrawlRun)
            .where(CrawlRun.id == run_id, _stale_run(stale_after, now))
            .values(status=RunStatus.INTERRUPTED, error=error, finished_at=now)
        )
        if updated.rowcount:  # type: ignore[attr-defined]
            closed.append(run_id)
    return closed


@dataclass(frozen=True)
class HitFilters:
    """What `list_hits` narrows to; an empty tuple or None filters nothing. Several values of one
    filter are alternatives; the filters combine. The first-seen bounds are a half-open UTC range."""

    marketplaces: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    statuses: tuple[ReviewStatus, ...] = ()
    first_seen_from: datetime | None = None
    first_seen_before: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        for column, values in (
            (Marketplace.slug, self.marketplaces),
            (Hit.device_id, self.devices),
            (Hit.tier, self.tiers),
            (Listing.review_status, self.statuses),
        ):
            if values:
                found.append(column.in_(values))
        if self.first_seen_from is not None:
            found.append(Listing.first_seen >= self.first_seen_from)
        if self.first_seen_before is not None:
            found.append(Listing.first_seen < self.first_seen_before)
        return found


def list_hits(
    session: Session, min_score: int = 0, limit: int | None = None, filters: HitFilters | None = None
) -> list[dict[str, Any]]:
    """Flagged listings with their latest match, best score first (one row per listing)."""
    latest = latest_hit_ranking()
    stmt = (
        select(Hit, Listing, Marketplace.slug, Seller.name)
        .join(latest, (latest.c.hit_id == Hit.id) & (latest.c.rank == 1))
        .join(Listing, Listing.id == Hit.listing_id)
        .join(Marketplace, Marketplace.id == Listing.marketplace_id)
        .outerjoin(Seller, Seller.id == Listing.seller_id)
        .where(Hit.tier != "none", Hit.score >= min_score, *(filters or HitFilters()).conditions())
        .order_by(Hit.score.desc(), Listing.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [
        {
            "listing_id": listing.id,
            "marketplace": slug,
            "external_id": listing.external_id,
            "url": listing.url,
            "title": listing.title,
            "price": None if listing.price is None else str(listing.price),
            "currency": listing.currency,
            "seller": seller,
            "device": hit.device_id,
            "device_name": hit.device_name,
            "score": hit.score,
            "tier": hit.tier,
            "status": listing.review_status.value,
            "first_seen": listing.first_seen.isoformat(),
            "last_seen": listing.last_seen.isoformat(),
            "matcher_version": hit.matcher_version,
        }
        for hit, listing, slug, seller in session.execute(stmt)
    ]


def list_crawl_runs(session: Session, limit: int = 50) -> list[CrawlRun]:
    return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)))
