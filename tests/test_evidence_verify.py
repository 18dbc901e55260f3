"""`verify_store` on both databases: a one-byte change in any kind of blob, a deleted blob of any
kind and an edited custody entry are each found and named."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from evidence.custody import custody_entries
from evidence.images import fingerprint_image
from evidence.store import EvidenceStore
from evidence.verify import verify_store
from storage.db import session_factory, upgrade_database
from storage.images import ImageRecord, upsert_listing_images
from storage.models import Capture, CustodyEntry, EvidenceItem, ListingImage
from tests.factories import T0, captured_listing, tiny_png

KINDS = ("warc", "screenshot", "listing_json", "listing_image")
Evidence = tuple[sessionmaker[Session], EvidenceStore, dict[str, str]]
IMAGE_URL = "http://market.test/img/1.png"


@pytest.fixture
def evidence(database_url: str, tmp_path: Path) -> Evidence:
    """One captured listing with a fetched listing image: kind -> its blob's SHA-256."""
    sessions = session_factory(upgrade_database(database_url))
    store = EvidenceStore(tmp_path / "evidence")
    item = captured_listing(sessions, store)
    assert item.listing_id is not None
    photo = tiny_png(5, 4)  # not the screenshot's bytes: its own blob
    fingerprint = fingerprint_image(photo)
    store.put(photo)
    with sessions.begin() as session:
        record = ImageRecord(
            listing_id=item.listing_id,
            url=IMAGE_URL,
            position=0,
            fetched_at=T0,
            sha256=fingerprint.sha256,
            phash=fingerprint.phash,
            width=fingerprint.width,
            height=fingerprint.height,
            media_type=fingerprint.media_type,
        )
        upsert_listing_images(session, [record])
    with sessions() as session:
        blobs = {
            kind: sha256 for kind, sha256 in session.execute(select(EvidenceItem.kind, EvidenceItem.sha256))
        }
        assert verify_store(session, store) == []
    blobs["listing_image"] = fingerprint.sha256
    assert sorted(blobs) == sorted(KINDS) and len(set(blobs.values())) == len(KINDS)
    return sessions, store, blobs


def _subject(session: Session, kind: str, sha256: str) -> str:
    if kind == "listing_image":
        image = session.scalars(select(ListingImage).where(ListingImage.sha256 == sha256)).one()
        return f"listing image {image.id} (listing {image.listing_id}, {IMAGE_URL})"
    item, listing_id = session.execute(
        select(EvidenceItem, Capture.listing_id).join(Capture).where(EvidenceItem.kind == kind)
    ).one()
    return f"evidence item {item.id} ({kind} of capture {item.capture_id}, listing {listing_id})"


@pytest.mark.parametrize("kind", KINDS)
def test_a_one_byte_change_in_any_blob_is_named(evidence: Evidence, kind: str) -> None:
    sessions, store, blobs = evidence
    path = store.path_for(blobs[kind])
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.chmod(0o644)
    path.write_bytes(bytes(data))
    with sessions() as session:
        problems = verify_store(session, store)
    assert [(p.subject, p.kind, p.detail) for p in problems] == [
        (f"blob {blobs[kind]}", "altered_blob", "content does not match its name (altered)")
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_a_deleted_blob_of_any_kind_is_named(evidence: Evidence, kind: str) -> None:
    sessions, store, blobs = evidence
    store.path_for(blobs[kind]).unlink()
    with sessions() as session:
        problems = verify_store(session, store)
        subject = _subject(session, kind, blobs[kind])
    assert [(p.subject, p.kind, p.detail) for p in problems] == [
        (subject, "missing_blob", f"blob {blobs[kind]} is missing from the store")
    ]


@pytest.mark.parametrize("field", ["actor", "action", "details", "evidence_hashes", "recorded_at"])
def test_an_edited_custody_entry_is_named(evidence: Evidence, field: str) -> None:
    sessions, store, blobs = evidence
    with sessions() as session:
        [entry] = custody_entries(session)
        edits = {
            "actor": "someone else",
            "action": "review.dismissed",
            "details": {"capture_id": 999},
            "evidence_hashes": sorted(blobs.values())[:1],
            "recorded_at": T0.replace(hour=9),
        }
    with sessions.begin() as session:
        stored = session.get(CustodyEntry, entry.id)
        assert stored is not None
        setattr(stored, field, edits[field])
    with sessions() as session:
        problems = verify_store(session, store)
    assert [(p.subject, p.kind) for p in problems] == [(f"custody entry {entry.id}", "chain")]
    assert problems[0].detail == "content does not match its hash (entry altered)"
