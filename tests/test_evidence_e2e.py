"""End-to-end evidence capture: real crawls of the sandbox in child processes, then the database,
the evidence store and the WARC files checked against each other."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator

from evidence.capture import listing_captures
from evidence.custody import custody_entries, verify_chain
from evidence.store import EvidenceStore, file_sha256
from sandbox import SandboxServer, generate_catalogue
from storage import CrawlRun, Hit, Listing, create_db_engine, session_factory
from storage.models import Capture
from tests.e2e_support import db_url, run_cli

pytestmark = pytest.mark.e2e

SEED = 2025
# Splits the hits among the seed-2025 sandbox's "handy" results (84, 100, 100): some captured, some not.
MIN_SCORE = 95


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with SandboxServer(listings=generate_catalogue(SEED), seed=SEED) as server:
        yield server.url


def session(home: Path) -> Session:
    return session_factory(create_db_engine(db_url(home)))()


def last_run(home: Path) -> CrawlRun:
    with session(home) as db:
        return db.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).one()


def warc_record_types(data: bytes) -> list[str]:
    return [record.rec_type for record in ArchiveIterator(io.BytesIO(data))]


def test_bazaar_hits_at_the_threshold_are_captured_once_with_all_their_evidence(
    sandbox_url: str, tmp_path: Path
) -> None:
    env = {"THUMBWATCH_EVIDENCE_SCREENSHOTS": "true", "THUMBWATCH_EVIDENCE_MIN_SCORE": str(MIN_SCORE)}
    crawl = ("crawl", "sandbox_bazaar", "-a", f"base_url={sandbox_url}", "-a", "queries=handy")
    first = run_cli(tmp_path, *crawl, env=env)
    assert first.returncode == 0, first.stderr
    run = last_run(tmp_path)
    store = EvidenceStore(tmp_path / "evidence")

    with session(tmp_path) as db:
        hits = dict(db.execute(select(Hit.listing_id, Hit.score)).all())
        expected = {listing_id for listing_id, score in hits.items() if score >= MIN_SCORE}
        assert expected and expected != set(hits)  # both sides of the threshold are exercised
        captures = db.scalars(select(Capture)).all()
        assert sorted(c.listing_id for c in captures) == sorted(expected)
        urls = dict(db.execute(select(Listing.id, Listing.url)).all())
        for listing_id in expected:
            [capture] = listing_captures(db, listing_id)
            assert (capture.crawl_run_id, capture.purpose, capture.url) == (run.id, "crawl", urls[listing_id])
            items = {item.kind: item for item in capture.items}
            assert set(items) == {"warc", "screenshot", "listing_json"}
            for item in items.values():
                assert file_sha256(store.path_for(item.sha256)) == item.sha256
                assert store.path_for(item.sha256).stat().st_size == item.size
                assert item.captured_at == capture.captured_at and item.captured_at.tzinfo is not None
            assert warc_record_types(store.read(items["warc"].sha256)) == ["warcinfo", "response", "request"]
            assert store.read(items["screenshot"].sha256).startswith(b"\x89PNG\r\n\x1a\n")
            document = json.loads(store.read(items["listing_json"].sha256))
            assert document["listing"]["listing_id"] == listing_id
            assert document["match"]["score"] == hits[listing_id]
        entries = custody_entries(db)
        assert verify_chain(entries) == []
        assert sorted(e.listing_id for e in entries if e.action == "capture") == sorted(expected)
        assert {e.actor for e in entries} == {f"crawler:sandbox_bazaar:run{run.id}"}
    assert run.stats["thumbwatch/evidence/captured"] == len(expected)
    assert "thumbwatch/evidence/screenshot_failed" not in run.stats
    blobs = set(store.blobs())

    second = run_cli(tmp_path, *crawl, env=env)
    assert second.returncode == 0, second.stderr
    rerun = last_run(tmp_path)
    assert rerun.stats["thumbwatch/evidence/skipped_existing"] == len(expected)
    assert "thumbwatch/evidence/captured" not in rerun.stats
    with session(tmp_path) as db:
        assert len(db.scalars(select(Capture)).all()) == len(expected)
        assert len(custody_entries(db)) == len(expected)
    assert set(store.blobs()) == blobs


@pytest.mark.browser
def test_browser_pages_are_archived_as_resource_and_metadata_records(
    sandbox_url: str, tmp_path: Path
) -> None:
    crawl = run_cli(
        tmp_path,
        "crawl",
        "sandbox_jsmarket",
        "-a",
        f"base_url={sandbox_url}",
        "-a",
        "queries=BM10",
        timeout=600,
    )
    assert crawl.returncode == 0, crawl.stderr
    store = EvidenceStore(tmp_path / "evidence")
    with session(tmp_path) as db:
        expected = set(db.scalars(select(Hit.listing_id).where(Hit.score >= 50)))
        captures = db.scalars(select(Capture)).all()
        assert expected and {c.listing_id for c in captures} == expected and len(captures) == len(expected)
        for capture in captures:
            items = {item.kind: item for item in listing_captures(db, capture.listing_id)[0].items}
            assert set(items) == {"warc", "listing_json"}  # screenshots are off in this test
            warc = store.read(items["warc"].sha256)
            assert warc_record_types(warc) == ["warcinfo", "resource", "metadata"]
            info = next(iter(ArchiveIterator(io.BytesIO(warc)))).content_stream().read()
            assert b"Chromium/" in info and b"fetched-by: browser (scrapy-playwright)" in info
