"""The database schema as typed SQLAlchemy 2 models.

Every timestamp is stored timezone-aware in UTC. Natural keys carry unique constraints so
that writes can be idempotent upserts, safe with several crawl processes at once.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset by itself)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} refused: store UTC-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class JSONText:
    """A JSON document already encoded, to be stored as it is in a `JSONDocument` column."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class JSONDocument(TypeDecorator[Any]):
    """JSON that also takes a `JSONText`, stored without encoding again: a hit's reasons are
    joined from encodings kept per distinct reason (`MatchResult.reasons_json`), which costs a
    fraction of encoding each hit's list (a re-score writes tens of thousands of hits).

    Anything else is encoded as the JSON type does; values read back are decoded as usual.
    """

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Any) -> Any:
        encode = self.impl_instance.bind_processor(dialect)

        def process(value: Any) -> Any:
            if type(value) is JSONText:
                return value.text
            return encode(value) if encode is not None else value

        return process


def utcnow() -> datetime:
    return datetime.now(UTC)


class ReviewStatus(enum.StrEnum):
    NEW = "new"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
    ESCALATED = "escalated"
    REFERRED = "referred"
    REMOVED = "removed"


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    OK = "ok"
    DEGRADED = "degraded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Marketplace(Base):
    __tablename__ = "marketplaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    spider: Mapped[str] = mapped_column(String(100), index=True)
    arguments: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus, "run_status"), default=RunStatus.RUNNING)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    pid: Mapped[int | None]
    # Written by the crawl process every few seconds (`THUMBWATCH_HEARTBEAT`): a running run
    # without one for long (`close_stale_runs`) lost its process.
    heartbeat_at: Mapped[datetime | None]


class Seller(Base):
    __tablename__ = "sellers"
    __table_args__ = (UniqueConstraint("marketplace_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    marketplace_id: Mapped[int] = mapped_column(ForeignKey("marketplaces.id"))
    external_id: Mapped[str] = mapped_column(String(300))
    name: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]


class Listing(Base):
    __tablename__ = "listings"
    __table_args__ = (UniqueConstraint("marketplace_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    marketplace_id: Mapped[int] = mapped_column(ForeignKey("marketplaces.id"))
    external_id: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("sellers.id"), index=True)
    ship_from: Mapped[str | None] = mapped_column(String(200))
    image_urls: Mapped[list[Any]] = mapped_column(default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    last_crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    review_status: Mapped[ReviewStatus] = mapped_column(
        _enum(ReviewStatus, "review_status"), default=ReviewStatus.NEW, index=True
    )
    # Set when this listing looks like a comeback of a listing removed after a referral.
    relisting_of_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id"), index=True)
    relisting_reason: Mapped[str | None] = mapped_column(Text)

    marketplace: Mapped[Marketplace] = relationship()
    seller: Mapped[Seller | None] = relationship()
    snapshots: Mapped[list[ListingSnapshot]] = relationship(
        back_populates="listing", order_by="ListingSnapshot.first_seen"
    )
    hits: Mapped[list[Hit]] = relationship(back_populates="listing")


class ListingSnapshot(Base):
    """One distinct content of a listing; recrawling unchanged content adds none."""

    __tablename__ = "listing_snapshots"
    __table_args__ = (UniqueConstraint("listing_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]]
    fetched_at: Mapped[datetime]
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))

    listing: Mapped[Listing] = relationship(back_populates="snapshots")


class Hit(Base):
    """A listing's match against the catalog, one per matcher and catalog version."""

    __tablename__ = "hits"
    __table_args__ = (
        UniqueConstraint("listing_id", "matcher_version", "catalog_version"),
        Index("ix_hits_score", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("listing_snapshots.id"))
    device_id: Mapped[str | None] = mapped_column(String(100))
    device_name: Mapped[str | None] = mapped_column(String(200))
    score: Mapped[int] = mapped_column(Integer)
    tier: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[list[Any]] = mapped_column(JSONDocument, default=list)
    matcher_version: Mapped[str] = mapped_column(String(40))
    catalog_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    listing: Mapped[Listing] = relationship(back_populates="hits")


class CatalogImport(Base):
    """One `thumbwatch catalog import`: who brought which catalog version in, and what changed."""

    __tablename__ = "catalog_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    imported_by: Mapped[str] = mapped_column(String(200))
    source_file: Mapped[str] = mapped_column(Text)
    catalog_version: Mapped[str] = mapped_column(String(64), index=True)
    previous_version: Mapped[str | None] = mapped_column(String(64))
    device_count: Mapped[int] = mapped_column(Integer)
    devices_added: Mapped[int] = mapped_column(Integer)
    devices_changed: Mapped[int] = mapped_column(Integer)
    devices_removed: Mapped[int] = mapped_column(Integer)


class ListingImage(Base):
    """One image of a listing as fetched during a crawl, with its perceptual hash.

    ``phash`` is imagehash's 64-bit perceptual hash as 16 hex digits: listings whose images
    are within a small Hamming distance show the same photo (resized, recompressed, recoloured).
    """

    __tablename__ = "listing_images"
    __table_args__ = (UniqueConstraint("listing_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str | None] = mapped_column(String(64))
    phash: Mapped[str | None] = mapped_column(String(16), index=True)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    media_type: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime]
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))


class Capture(Base):
    """One act of evidence capture: what was seen of a listing, when, by which process.

    A crawl captures each listing snapshot at most once (``purpose`` "crawl"); follow-up fetches
    and manual captures add their own. The blobs themselves are `EvidenceItem` rows.
    """

    __tablename__ = "captures"
    __table_args__ = (UniqueConstraint("snapshot_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="RESTRICT"), index=True)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("listing_snapshots.id"))
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    purpose: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(Text)
    captured_at: Mapped[datetime]
    captured_by: Mapped[str] = mapped_column(String(200))

    items: Mapped[list[EvidenceItem]] = relationship(back_populates="capture", order_by="EvidenceItem.id")


class EvidenceItem(Base):
    """One evidence blob of a capture; the blob lives in the content-addressed store by SHA-256."""

    __tablename__ = "evidence_items"
    __table_args__ = (UniqueConstraint("capture_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    capture_id: Mapped[int] = mapped_column(ForeignKey("captures.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(30))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    captured_at: Mapped[datetime]
    source_url: Mapped[str] = mapped_column(Text)
    tool_name: Mapped[str] = mapped_column(String(100))
    tool_version: Mapped[str] = mapped_column(String(100))

    capture: Mapped[Capture] = relationship(back_populates="items")


class CustodyEntry(Base):
    """An append-only, hash-chained record of what happened to evidence and listings.

    Each entry's ``entry_hash`` covers its content and ``prev_hash`` (the previous entry's
    hash); ``prev_hash`` is unique, so two writers can never both extend the same tail: the
    loser's insert fails and it retries on the new tail.
    """

    __tablename__ = "custody_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    recorded_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(50), index=True)
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id", ondelete="RESTRICT"), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    evidence_hashes: Mapped[list[Any]] = mapped_column(default=list)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class Referral(Base):
    """A takedown referral package exported for one marketplace's listings."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    marketplace_id: Mapped[int] = mapped_column(ForeignKey("marketplaces.id"), index=True)
    package_path: Mapped[str] = mapped_column(Text)
    package_sha256: Mapped[str] = mapped_column(String(64))
    listings: Mapped[list[ReferralListing]] = relationship(back_populates="referral")


class ReferralListing(Base):
    """Which listings a referral named (a listing can be referred again, e.g. after relisting)."""

    __tablename__ = "referral_listings"

    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), primary_key=True, index=True)

    referral: Mapped[Referral] = relationship(back_populates="listings")


class User(Base):
    """A review console account; the password is stored only as an argon2 hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(Text)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebSession(Base):
    """A logged-in browser session; the cookie holds a random token, the row only its SHA-256."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_seen: Mapped[datetime]


class LoginAttempt(Base):
    """Every login attempt, kept for rate limiting and the security log."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_name_at", "username", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    client: Mapped[str] = mapped_column(String(100), index=True)
    attempted_at: Mapped[datetime]
    succeeded: Mapped[bool]
    detail: Mapped[str] = mapped_column(String(200), default="")


class CrawlRequest(Base):
    """A crawl asked for outside the schedule ("crawl now"); the scheduler process runs it."""

    __tablename__ = "crawl_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    spider: Mapped[str] = mapped_column(String(100))
    arguments: Mapped[dict[str, Any]] = mapped_column(default=dict)
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    error: Mapped[str | None] = mapped_column(Text)


class AlertDelivery(Base):
    """One digest sent (or attempted) to one alert channel."""

    __tablename__ = "alert_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    digest: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
