"""capture_listing on SQLite and PostgreSQL (rows, blobs, custody, idempotence), the evidence
command, the pipeline's settings, and real Chromium screenshots of a local page."""

from __future__ import annotations

import asyncio
import hashlib
import http.server
import json
import os
import struct
import threading
import time
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from crawler.config import get_settings
from crawler.evidence_pipeline import EvidenceSettings
from crawler.evidence_worker import CaptureFailed, CaptureJob, record_captures
from crawler.items import ListingItem
from crawler.runner import scrapy_settings
from crawler.worker_process import WorkerProcess
from evidence.capture import capture_listing, crawl_blobs, listing_captures
from evidence.custody import custody_entries, verify_chain
from evidence.screenshot import PageScreenshotter, Screenshot, ScreenshotFailed
from evidence.store import EvidenceStore, evidence_store
from evidence.warc import CapturedExchange
from matching import DEFAULT_WEIGHTS
from storage.db import session_factory, upgrade_database
from storage.models import Capture, EvidenceItem
from tests.e2e_support import run_cli
from tests.factories import T0, make_item, stored_listing

PNG = b"\x89PNG\r\n\x1a\n" + b"not really an image, but bytes to store"
ACTOR = "crawler:sandbox_bazaar:run7"


@pytest.fixture
def sessions(database_url: str) -> sessionmaker[Session]:
    return session_factory(upgrade_database(database_url))


def exchange_for(item: ListingItem) -> CapturedExchange:
    return CapturedExchange(
        method="GET",
        url=item.url,
        request_headers=(("User-Agent", "thumbwatch/0.1.0"),),
        request_body=b"",
        status=200,
        response_url=item.url,
        response_headers=(("Content-Type", "text/html; charset=utf-8"),),
        response_body=f"<h1>{item.title}</h1>".encode(),
        fetched_at=item.fetched_at,
    )


def blobs_of(item: ListingItem, png: bytes = PNG) -> list:  # type: ignore[type-arg]
    ids = count(1)
    return crawl_blobs(
        item,
        exchange_for(item),
        Screenshot(png=png, url=item.url, browser_version="156.0.1"),
        clock=lambda: T0,
        record_id=lambda: f"<urn:uuid:00000000-0000-4000-8000-{next(ids):012d}>",
    )


def capture(session: Session, store: EvidenceStore, item: ListingItem, **extra: object):  # type: ignore[no-untyped-def]
    assert item.listing_id is not None and item.snapshot_id is not None
    return capture_listing(
        session,
        store,
        listing_id=item.listing_id,
        snapshot_id=item.snapshot_id,
        url=item.url,
        blobs=blobs_of(item),
        captured_by=ACTOR,
        clock=lambda: T0,
        **extra,  # type: ignore[arg-type]
    )


def test_capture_stores_blobs_rows_and_one_custody_entry(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    store = EvidenceStore(tmp_path / "evidence")
    item = stored_listing(sessions)
    with sessions.begin() as session:
        outcome = capture(session, store, item, details={"screenshot_error": None})
    assert outcome.created and set(outcome.hashes) == {"warc", "screenshot", "listing_json"}

    with sessions() as session:
        [stored] = listing_captures(session, item.listing_id)  # type: ignore[arg-type]
        assert (stored.snapshot_id, stored.purpose, stored.url) == (item.snapshot_id, "crawl", item.url)
        assert (stored.captured_at, stored.captured_by) == (T0, ACTOR)
        rows = {i.kind: i for i in stored.items}
        for blob in blobs_of(item):
            row = rows[blob.kind]
            assert row.sha256 == hashlib.sha256(blob.data).hexdigest() == outcome.hashes[blob.kind]
            assert (row.size, row.media_type, row.captured_at) == (len(blob.data), blob.media_type, T0)
            assert (row.tool_name, row.source_url) == ("thumbwatch", item.url)
            assert store.digest_of(row.sha256) == row.sha256
        assert rows["warc"].media_type == "application/warc"
        assert rows["screenshot"].media_type == "image/png"
        assert "Chromium 156.0.1" in rows["screenshot"].tool_version
        assert "warcio" in rows["warc"].tool_version
        document = json.loads(store.read(rows["listing_json"].sha256))
        assert document["listing"]["title"] == item.title
        assert document["listing"]["snapshot_id"] == item.snapshot_id
        assert document["match"]["score"] == 90 and document["match"]["device_id"] == "l8star-bm10"

        [entry] = custody_entries(session, [item.listing_id])  # type: ignore[list-item]
        assert (entry.actor, entry.action, entry.recorded_at) == (ACTOR, "capture", T0)
        assert entry.evidence_hashes == sorted(outcome.hashes.values())
        assert entry.details["capture_id"] == stored.id and entry.details["items"] == outcome.hashes
        assert verify_chain(custody_entries(session)) == []


def test_capturing_a_snapshot_again_writes_nothing(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "evidence")
    item = stored_listing(sessions)
    with sessions.begin() as session:
        first = capture(session, store, item)
    with sessions.begin() as session:
        again = capture(session, store, item)
    assert not again.created and again.capture_id == first.capture_id and again.hashes == first.hashes
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Capture)) == 1
        assert session.scalar(select(func.count()).select_from(EvidenceItem)) == 3
        assert len(custody_entries(session)) == 1
    assert len(list(store.blobs())) == 3


def test_identical_blobs_are_reused_across_captures(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "evidence")
    first, second = stored_listing(sessions, external_id="A1"), stored_listing(sessions, external_id="A2")
    with sessions.begin() as session:
        assert capture(session, store, first).reused_blobs == 0
        outcome = capture(session, store, second)
    # Same screenshot bytes, different page and listing: one blob reused, two new.
    assert outcome.created and outcome.reused_blobs == 1
    assert len(list(store.blobs())) == 5
    with sessions() as session:
        shots = session.scalars(select(EvidenceItem.sha256).where(EvidenceItem.kind == "screenshot")).all()
        assert len(shots) == 2 and len(set(shots)) == 1


def test_blobs_are_byte_identical_for_a_fixed_clock_and_ids(sessions: sessionmaker[Session]) -> None:
    item = stored_listing(sessions)
    assert [b.data for b in blobs_of(item)] == [b.data for b in blobs_of(item)]


def test_repeated_kinds_are_refused(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    item = stored_listing(sessions)
    blobs = blobs_of(item)
    with pytest.raises(ValueError, match="kinds repeat"), sessions.begin() as session:
        capture_listing(
            session,
            EvidenceStore(tmp_path),
            listing_id=item.listing_id,  # type: ignore[arg-type]
            snapshot_id=item.snapshot_id,  # type: ignore[arg-type]
            url=item.url,
            blobs=[*blobs, blobs[0]],
            captured_by=ACTOR,
        )


def test_evidence_command_lists_a_listings_items(isolated_config: Path) -> None:
    sessions = session_factory(upgrade_database(get_settings().resolved_database_url))
    item = stored_listing(sessions)
    with sessions.begin() as session:
        outcome = capture(session, evidence_store(), item)
    result = run_cli(isolated_config, "evidence", str(item.listing_id), "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["kind"], r["sha256"]) for r in rows] == list(outcome.hashes.items())
    assert {r["captured_at"] for r in rows} == {T0.isoformat()}
    assert all(r["tool"].startswith("thumbwatch 0.1.0") and r["size"] > 0 for r in rows)

    missing = run_cli(isolated_config, "evidence", "999")
    assert missing.returncode == 2 and "listing 999: no such listing" in missing.stderr


def test_pipeline_settings_default_to_the_medium_tier_and_refuse_bad_values() -> None:
    config = EvidenceSettings.from_settings(scrapy_settings())
    assert config.min_score == DEFAULT_WEIGHTS.medium and config.screenshots is True
    assert config.launch_options["executable_path"] == str(get_settings().chromium_path)
    bad = Settings({"THUMBWATCH_DATABASE_URL": "sqlite://", "THUMBWATCH_EVIDENCE_MIN_SCORE": 101})
    with pytest.raises(ValueError, match="THUMBWATCH_EVIDENCE_MIN_SCORE must be 0-100, got 101"):
        EvidenceSettings.from_settings(bad)
    with pytest.raises(NotConfigured):
        EvidenceSettings.from_settings(Settings({"THUMBWATCH_DATABASE_URL": ""}))


TALL_PAGE = b"""<html><body style="margin:0"><div style="height:2400px">BM10</div>
<img src="/photo.png"></body></html>"""


@pytest.fixture
def page_server() -> Iterator[tuple[str, list[str]]]:
    requested: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requested.append(self.path)
            if self.path == "/slow":
                time.sleep(6)
            status, body = (404, b"gone") if self.path == "/gone" else (200, TALL_PAGE)
            self.send_response(status)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requested
    server.shutdown()


@pytest.mark.browser
def test_full_page_screenshot_and_failures_are_reported(page_server: tuple[str, list[str]]) -> None:
    url, requested = page_server
    options = scrapy_settings().getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
    if not Path(options["executable_path"]).is_file():
        pytest.skip(f"Chromium not installed at {options['executable_path']}")

    async def shoot() -> tuple[Screenshot, list[str], bool]:
        shooter = PageScreenshotter(options, timeout=4, user_agent="thumbwatch-test")
        launched_before = shooter.launched
        try:
            shot = await shooter.take(f"{url}/item")
            problems = []
            for path in ("/gone", "/slow"):
                with pytest.raises(ScreenshotFailed) as failure:
                    await shooter.take(f"{url}{path}")
                problems.append(str(failure.value))
        finally:
            await shooter.close()
        return shot, problems, launched_before

    started = datetime.now(UTC)
    shot, problems, launched_before = asyncio.run(shoot())
    assert not launched_before  # launched on first need only
    assert shot.png.startswith(b"\x89PNG\r\n\x1a\n") and shot.url == f"{url}/item"
    width, height = struct.unpack(">II", shot.png[16:24])
    assert width == 1280 and height >= 2400  # the whole page, not the 900 px viewport
    assert "/photo.png" in requested  # evidence loads images, unlike the crawl's browser
    assert problems == [
        f"screenshot of {url}/gone: the page answered HTTP 404",
        f"screenshot of {url}/slow timed out after 4s",
    ]
    assert (datetime.now(UTC) - started).total_seconds() < 60


def _job(item: ListingItem) -> CaptureJob:
    return CaptureJob(
        item=item,
        exchange=exchange_for(item),
        screenshot=None,
        screenshot_problem=None,
        chromium_path="chromium",
        captured_by=ACTOR,
        crawl_run_id=None,
    )


def test_worker_batch_captures_each_job_on_its_own(
    database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    store = EvidenceStore(tmp_path / "blobs")
    good = stored_listing(sessions, external_id="good")
    other = stored_listing(sessions, external_id="other")
    missing = make_item(external_id="never-stored")
    missing.listing_id, missing.snapshot_id = 999_999, 999_999  # no such rows: the insert fails
    outcomes = record_captures(database_url, store.root, [_job(item) for item in (good, missing, other)])
    assert outcomes[0] == (True, 0) and outcomes[2] == (True, 0)
    assert isinstance(outcomes[1], CaptureFailed) and "never-stored" in str(outcomes[1])
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Capture)) == 2
        assert verify_chain(custody_entries(session)) == []
        named = session.scalars(select(EvidenceItem.sha256)).all()
    assert len(named) == 4 and all(store.digest_of(sha) == sha for sha in named)
    assert not list(store.root.glob("??/.incoming-*"))
    # The same jobs again capture nothing new.
    assert record_captures(database_url, store.root, [_job(good)]) == [(False, 0)]


def test_a_dead_worker_process_fails_its_batch_and_is_replaced(tmp_path: Path) -> None:
    async def main() -> tuple[object, int]:
        worker = WorkerProcess("test")
        try:
            dead = await asyncio.gather(worker.run(os._exit, 3), return_exceptions=True)
            return dead[0], await worker.run(abs, -7)
        finally:
            worker.shutdown()

    dead, alive = asyncio.run(main())
    assert isinstance(dead, BrokenProcessPool)
    assert alive == 7
