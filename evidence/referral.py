"""Takedown referral packages: check a listing set, write its package, record the referral.

One export makes one package (a directory, or a ``.zip``) with one folder per marketplace,
because each marketplace gets its own notice through its own channel and may be sent its
folder alone::

    SHA256SUMS                      every file of the package (`sha256sum -c SHA256SUMS` checks it)
    <marketplace>/SHA256SUMS        every file of this folder, so the folder can be checked alone
    <marketplace>/manifest.json     listings, sellers, matches, captures, custody (`evidence.manifest`)
    <marketplace>/notice.txt        the DSA Art. 16 notice (`evidence.notice`)
    <marketplace>/report.html, report.pdf   the human-readable report (`evidence.report`)
    <marketplace>/evidence/listing-<id>/capture-<id>-<kind>.<ext>   blobs copied from the store

The review workflow decides what may be referred: confirmed listings, or listings referred
before (a new package); ``allow_unreviewed`` first confirms new or escalated ones, through the
workflow too. A listing with no captured evidence is referred all the same, and its gap is
stated in the manifest (``evidence_gap``), the report and the notice. Every refusal is named
before anything is written; blobs are re-hashed as they are copied, and one larger than
``THUMBWATCH_PACKAGE_MAX_FILE_BYTES`` is refused. Every file name in a package is generated
(marketplace slugs made safe, listing and capture ids, evidence kinds), never page text.

The package is then recorded in one transaction: a `Referral` per marketplace,
each listing moved to ``referred`` (custody details ``referral_id`` and ``package_sha256``) and
one ``export.referral`` custody entry; if that fails, the package is removed. The package hash
is that of the zip, or of a directory's root ``SHA256SUMS``. Same database, store and clock:
the same package, byte for byte.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from evidence.custody import Clock, append_custody
from evidence.manifest import (
    UNSAFE_NAME,
    custody_by_listing,
    evidence_items,
    listing_record,
    manifest_bytes,
)
from evidence.notice import UnitContact, render_notice
from evidence.package import (
    MANIFEST_NAME,
    SUMS_NAME,
    FileSource,
    package_sha256,
    sha256sums_text,
    write_package,
)
from evidence.report import Screenshot, render_pdfs, render_report_html
from evidence.store import EvidenceStore, file_sha256
from matching.catalog import Catalog
from review.workflow import Role, TransitionError, check_transition, four_eyes_problems, transition_listing
from storage.models import Capture, Listing, Referral, ReferralListing, ReviewStatus, utcnow
from storage.repository import latest_hits

__all__ = ["EvidenceIntegrityError", "ReferralError", "ReferralExport", "export_referral"]


class ReferralError(ValueError):
    """The export cannot be made as asked (unknown listing, not referable, blob too large, path taken)."""


class EvidenceIntegrityError(RuntimeError):
    """A blob to export is missing from the evidence store or no longer matches its hash."""


@dataclass(frozen=True)
class ExportedReferral:
    referral_id: int
    marketplace: str
    listing_ids: tuple[int, ...]


@dataclass(frozen=True)
class ReferralExport:
    package_path: Path
    package_sha256: str
    referrals: tuple[ExportedReferral, ...]

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "referral_id": r.referral_id,
                "marketplace": r.marketplace,
                "listings": " ".join(str(i) for i in r.listing_ids),
                "package": str(self.package_path),
                "package_sha256": self.package_sha256,
            }
            for r in self.referrals
        ]


@dataclass
class MarketplaceGroup:
    marketplace_id: int
    slug: str
    name: str
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def folder(self) -> str:
        safe = UNSAFE_NAME.sub("_", self.slug).strip("._")
        # Two slugs could make the same safe name ("a/b", "a_b"); the id keeps the folders apart.
        return safe if safe == self.slug else f"{safe or 'marketplace'}-{self.marketplace_id}"


@dataclass
class ReferralPlan:
    """What an export will hold and the workflow steps it will take, read in one session."""

    groups: list[MarketplaceGroup]
    steps: dict[int, list[ReviewStatus]]


def _steps(listing: Listing, role: Role, allow_unreviewed: bool) -> list[ReviewStatus]:
    steps = [ReviewStatus.REFERRED]
    if allow_unreviewed and listing.review_status in (ReviewStatus.NEW, ReviewStatus.ESCALATED):
        steps.insert(0, ReviewStatus.CONFIRMED)
    status = listing.review_status
    for step in steps:
        try:
            check_transition(listing.id, status, step, role)
        except TransitionError as exc:
            hint = "" if allow_unreviewed else " (confirm it first, or export with --allow-unreviewed)"
            raise ReferralError(f"{exc}{hint}") from None
        status = step
    return steps


def plan_referral(
    session: Session,
    listing_ids: Sequence[int],
    role: Role,
    allow_unreviewed: bool = False,
    four_eyes_actor: str | None = None,
) -> ReferralPlan:
    """Check `listing_ids` and gather their records by marketplace; every refusal named at once."""
    wanted = list(dict.fromkeys(listing_ids))
    if not wanted:
        raise ReferralError("name at least one listing id (as `thumbwatch hits` shows it)")
    query = select(Listing).where(Listing.id.in_(wanted))
    listings = {
        listing.id: listing
        for listing in session.scalars(
            query.options(selectinload(Listing.marketplace), selectinload(Listing.seller))
        )
    }
    unknown = [str(i) for i in wanted if i not in listings]
    if unknown:
        raise ReferralError(f"no listing with id {', '.join(unknown)} (ids as `thumbwatch hits` shows them)")
    captures: dict[int, list[Capture]] = {i: [] for i in wanted}
    for capture in session.scalars(
        select(Capture)
        .where(Capture.listing_id.in_(wanted))
        .options(selectinload(Capture.items))
        .order_by(Capture.captured_at, Capture.id)
    ):
        if capture.items:
            captures[capture.listing_id].append(capture)
    problems: list[str] = []
    if four_eyes_actor is not None:
        if allow_unreviewed:
            problems.append("four-eyes rule: no confirming and referring at once (--allow-unreviewed)")
        problems.extend(four_eyes_problems(session, wanted, four_eyes_actor))
    steps: dict[int, list[ReviewStatus]] = {}
    for i in wanted:
        try:
            steps[i] = _steps(listings[i], role, allow_unreviewed)
        except ReferralError as exc:
            problems.append(str(exc))
    if problems:
        raise ReferralError("; ".join(problems))
    hits = latest_hits(session, wanted)
    custody = custody_by_listing(session, captures)
    groups: dict[int, MarketplaceGroup] = {}
    for i in sorted(wanted):
        listing = listings[i]
        market = listing.marketplace
        group = groups.setdefault(market.id, MarketplaceGroup(market.id, market.slug, market.name))
        group.records.append(listing_record(listing, hits.get(i), captures[i], custody[i]))
    return ReferralPlan(sorted(groups.values(), key=lambda g: g.slug), steps)


def _checked_blob(store: EvidenceStore, item: dict[str, Any], max_file_bytes: int) -> Path:
    path = store.path_for(item["sha256"])
    where = f"evidence item {item['evidence_item_id']} ({item['kind']})"
    if not path.is_file():
        raise EvidenceIntegrityError(f"{where}: blob {item['sha256']} is missing from the evidence store")
    size = max(item["size"], path.stat().st_size)
    if size > max_file_bytes:
        raise ReferralError(
            f"{where}: {size} bytes is more than a package file may hold ({max_file_bytes} bytes, "
            "THUMBWATCH_PACKAGE_MAX_FILE_BYTES)"
        )
    if file_sha256(path) != item["sha256"]:
        raise EvidenceIntegrityError(f"{where}: blob {item['sha256']} was altered in the evidence store")
    return path


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def _digest_and_size(source: FileSource) -> tuple[str, int]:
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest(), len(source)
    return source.name, source.stat().st_size  # a blob, named by its (just verified) SHA-256


def build_package_files(
    plan: ReferralPlan,
    store: EvidenceStore,
    unit: UnitContact,
    catalog: Catalog,
    created_at: datetime,
    created_by: str,
    max_file_bytes: int,
) -> dict[str, FileSource]:
    """Every file of the package by relative path (blobs as store paths, the rest as bytes)."""
    folders: list[dict[str, FileSource]] = []
    htmls: list[str] = []
    for group in plan.groups:
        files: dict[str, FileSource] = {}
        shots: dict[int, list[Screenshot]] = {}
        for record in group.records:
            for item in evidence_items([record]):
                blob = _checked_blob(store, item, max_file_bytes)
                if item["file"].endswith(".warc") and _is_gzip(blob):
                    item["file"] += ".gz"  # per-record gzip, the usual .warc.gz layout
                files[item["file"]] = blob
                if item["media_type"].startswith("image/"):
                    shot = Screenshot(item["file"], item["media_type"], blob.read_bytes())
                    shots.setdefault(record["listing_id"], []).append(shot)
        marketplace = {"slug": group.slug, "name": group.name}
        files["notice.txt"] = render_notice(marketplace, group.records, unit, created_at).encode()
        htmls.append(render_report_html(marketplace, group.records, shots, unit, catalog, created_at))
        files["report.html"] = htmls[-1].encode()
        folders.append(files)
    for files, pdf in zip(folders, render_pdfs(htmls, created_at), strict=True):
        files["report.pdf"] = pdf
    package: dict[str, FileSource] = {}
    for group, files in zip(plan.groups, folders, strict=True):
        described = {name: _digest_and_size(source) for name, source in files.items()}
        marketplace = {"slug": group.slug, "name": group.name}
        files[MANIFEST_NAME] = manifest_bytes(
            marketplace, group.records, unit, catalog.version, created_at, created_by, described
        )
        digests = {name: digest for name, (digest, _size) in described.items()}
        digests[MANIFEST_NAME] = _digest_and_size(files[MANIFEST_NAME])[0]
        files[SUMS_NAME] = sha256sums_text(digests)
        package.update({f"{group.folder}/{name}": source for name, source in files.items()})
    package[SUMS_NAME] = sha256sums_text({name: _digest_and_size(src)[0] for name, src in package.items()})
    return package


def _record(
    session: Session,
    plan: ReferralPlan,
    package: Path,
    digest: str,
    actor: str,
    role: Role,
    clock: Clock,
) -> tuple[ExportedReferral, ...]:
    created_at = clock().astimezone(UTC)
    exported = []
    for group in plan.groups:
        referral = Referral(
            created_at=created_at,
            created_by=actor,
            marketplace_id=group.marketplace_id,
            package_path=str(package),
            package_sha256=digest,
        )
        session.add(referral)
        session.flush()
        ids = tuple(record["listing_id"] for record in group.records)
        session.add_all(ReferralListing(referral_id=referral.id, listing_id=i) for i in ids)
        for record in group.records:
            hashes = tuple(sorted({item["sha256"] for item in evidence_items([record])}))
            for step in plan.steps[record["listing_id"]]:
                referred = step is ReviewStatus.REFERRED
                transition_listing(
                    session,
                    record["listing_id"],
                    step,
                    actor=actor,
                    role=role,
                    note=f"referral {referral.id}"
                    if referred
                    else "confirmed at export (--allow-unreviewed)",
                    details={"referral_id": referral.id, "package_sha256": digest} if referred else None,
                    evidence_hashes=hashes if referred else (),
                    clock=clock,
                )
        exported.append(ExportedReferral(referral.id, group.slug, ids))
    append_custody(
        session,
        actor=actor,
        action="export.referral",
        details={
            "package_path": str(package),
            "package_sha256": digest,
            "referral_ids": [r.referral_id for r in exported],
            "listing_ids": [i for r in exported for i in r.listing_ids],
        },
        evidence_hashes=[item["sha256"] for g in plan.groups for item in evidence_items(g.records)],
        clock=clock,
    )
    return tuple(exported)


def _check_destination(out: Path) -> None:
    empty_dir = out.is_dir() and out.suffix.lower() != ".zip" and not any(out.iterdir())
    if out.exists() and not empty_dir:
        raise ReferralError(f"{out} already exists: a package is never overwritten, choose a new path")


def export_referral(
    sessions: sessionmaker[Session],
    listing_ids: Sequence[int],
    out: Path,
    *,
    store: EvidenceStore,
    unit: UnitContact,
    catalog: Catalog,
    actor: str,
    role: Role = Role.SUPERVISOR,
    allow_unreviewed: bool = False,
    four_eyes: bool = False,
    max_file_bytes: int | None = None,
    clock: Clock = utcnow,
) -> ReferralExport:
    """Write the referral package of `listing_ids` to `out` (``.zip`` or a directory), record it.

    A blob larger than `max_file_bytes` (default ``THUMBWATCH_PACKAGE_MAX_FILE_BYTES``) is refused.
    """
    if max_file_bytes is None:
        from crawler.config import get_settings

        max_file_bytes = get_settings().package_max_file_bytes
    out = out.absolute()
    _check_destination(out)
    with sessions() as session:
        plan = plan_referral(session, listing_ids, role, allow_unreviewed, actor if four_eyes else None)
    created_at = clock().astimezone(UTC)
    files = build_package_files(plan, store, unit, catalog, created_at, actor, max_file_bytes)
    write_package(files, out, created_at)
    digest = package_sha256(out)
    try:
        with sessions.begin() as session:
            referrals = _record(session, plan, out, digest, actor, role, clock)
    except BaseException:
        if out.is_dir():
            shutil.rmtree(out)
        else:
            out.unlink(missing_ok=True)
        raise
    return ReferralExport(out, digest, referrals)
