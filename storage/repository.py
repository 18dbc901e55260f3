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
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Table, case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import CrawlRun, Hit, Listing, ListingSnapshot, Marketplace, RunStatus, Seller

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
    stmt = _insert(session, table).values(
        slug=slug, name=name or slug, created_at=datetime.now(UTC)
    )
    session.execute(stmt.on_conflict_do_nothing(index_elements=["slug"]))
    return session.execute(select(Marketplace.id).where(Marketplace.slug == slug)).scalar_one()


def _upsert_seller(
    session: Session, marketplace_id: int, item: ListingItem, now: datetime
) -> int | None:
    external_id = item.seller_url or item.seller_name
    if not external_id:
        return None
    table = Seller.__table__
    stmt = _insert(session, table).values(
        marketplace_id=marketplace_id,
        external_id=external_id,
        name=item.seller_name,
        url=item.seller_url,
        first_seen=now,
        last_seen=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["marketplace_id", "external_id"],
        set_={
            "name": _newer(table, stmt.excluded, "name"),
            "url": _newer(table, stmt.excluded, "url"),
            "last_seen": _latest(table, stmt.excluded, "last_seen"),
        },
    )
    return session.execute(stmt.returning(table.c.id)).scalar_one()


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


def _upsert_listing(
    session: Session,
    marketplace_id: int,
    seller_id: int | None,
    item: ListingItem,
    digest: str,
    crawl_run_id: int | None,
) -> int:
    table = Listing.__table__
    stmt = _insert(session, table).values(
        marketplace_id=marketplace_id,
        external_id=item.external_id,
        url=item.url,
        title=item.title,
        description=item.description,
        price=item.price,
        currency=item.currency,
        seller_id=seller_id,
        ship_from=item.ship_from,
        image_urls=list(item.image_urls),
        attributes=dict(item.attributes),
        content_hash=digest,
        first_seen=item.fetched_at,
        last_seen=item.fetched_at,
        last_crawl_run_id=crawl_run_id,
        review_status="new",
    )
    set_: dict[str, Any] = {c: _newer(table, stmt.excluded, c) for c in _LISTING_CONTENT_COLUMNS}
    set_["last_seen"] = _latest(table, stmt.excluded, "last_seen")
    set_["first_seen"] = case(
        (stmt.excluded.first_seen < table.c.first_seen, stmt.excluded.first_seen),
        else_=table.c.first_seen,
    )
    stmt = stmt.on_conflict_do_update(index_elements=["marketplace_id", "external_id"], set_=set_)
    return session.execute(stmt.returning(table.c.id)).scalar_one()


def _upsert_snapshot(
    session: Session,
    listing_id: int,
    item: ListingItem,
    content: dict[str, Any],
    digest: str,
    crawl_run_id: int | None,
) -> tuple[int, bool]:
    """(snapshot id, created?) for this content of the listing."""
    table = ListingSnapshot.__table__
    key = (table.c.listing_id == listing_id) & (table.c.content_hash == digest)
    stmt = _insert(session, table).values(
        listing_id=listing_id,
        content_hash=digest,
        content=content,
        fetched_at=item.fetched_at,
        first_seen=item.fetched_at,
        last_seen=item.fetched_at,
        crawl_run_id=crawl_run_id,
    )
    created = session.execute(
        stmt.on_conflict_do_nothing(index_elements=["listing_id", "content_hash"]).returning(
            table.c.id
        )
    ).scalar_one_or_none()
    if created is not None:
        return created, True
    session.execute(
        update(table)
        .where(key & (table.c.last_seen < item.fetched_at))
        .values(last_seen=item.fetched_at)
    )
    return session.execute(select(table.c.id).where(key)).scalar_one(), False


def _write_hit(
    session: Session, listing_id: int, snapshot_id: int, match: Any, now: datetime
) -> bool:
    """Upsert the hit of a flagged listing; update (never create) one that no longer matches."""
    table = Hit.__table__
    values = {
        "snapshot_id": snapshot_id,
        "device_id": match.device_id,
        "device_name": match.device_name,
        "score": match.score,
        "tier": match.tier,
        "reasons": [reason.to_dict() for reason in match.reasons],
        "updated_at": now,
    }
    key = {
        "listing_id": listing_id,
        "matcher_version": match.matcher_version,
        "catalog_version": match.catalog_version,
    }
    if not match.flagged:
        result = session.execute(
            update(table).where(*(table.c[k] == v for k, v in key.items())).values(**values)
        )
        return bool(result.rowcount)
    stmt = _insert(session, table).values(**key, **values, created_at=now)
    stmt = stmt.on_conflict_do_update(index_elements=list(key), set_=values)
    session.execute(stmt)
    return True


def store_listings(
    session: Session,
    items: Sequence[ListingItem],
    crawl_run_id: int | None = None,
    now: datetime | None = None,
) -> StoreSummary:
    """Store crawled listings with their sellers, content snapshots and hits, idempotently."""
    now = now or datetime.now(UTC)
    summary = StoreSummary()
    marketplaces: dict[str, int] = {}
    for item in items:
        if item.marketplace not in marketplaces:
            marketplaces[item.marketplace] = ensure_marketplace(session, item.marketplace)
        marketplace_id = marketplaces[item.marketplace]
        seller_id = _upsert_seller(session, marketplace_id, item, item.fetched_at)
        content = item.content()
        digest = content_hash(content)
        listing_id = _upsert_listing(session, marketplace_id, seller_id, item, digest, crawl_run_id)
        snapshot_id, created = _upsert_snapshot(
            session, listing_id, item, content, digest, crawl_run_id
        )
        summary.listings += 1
        summary.snapshots_created += created
        if item.match is not None and _write_hit(session, listing_id, snapshot_id, item.match, now):
            summary.hits_written += 1
    return summary


def start_crawl_run(
    session: Session,
    spider: str,
    arguments: dict[str, Any],
    pid: int | None = None,
    now: datetime | None = None,
) -> int:
    run = CrawlRun(
        spider=spider,
        arguments=arguments,
        pid=pid,
        started_at=now or datetime.now(UTC),
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


def list_hits(
    session: Session, min_score: int = 0, limit: int | None = None
) -> list[dict[str, Any]]:
    """Flagged listings with their latest match, best score first (one row per listing)."""
    latest = select(
        Hit.id.label("hit_id"),
        func.row_number()
        .over(partition_by=Hit.listing_id, order_by=(Hit.updated_at.desc(), Hit.id.desc()))
        .label("rank"),
    ).subquery()
    stmt = (
        select(Hit, Listing, Marketplace.slug, Seller.name)
        .join(latest, (latest.c.hit_id == Hit.id) & (latest.c.rank == 1))
        .join(Listing, Listing.id == Hit.listing_id)
        .join(Marketplace, Marketplace.id == Listing.marketplace_id)
        .outerjoin(Seller, Seller.id == Listing.seller_id)
        .where(Hit.tier != "none", Hit.score >= min_score)
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
