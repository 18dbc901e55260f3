"""Follow-up of referred listings against a local HTTP server: gone (404, 410, a removal page, a
redirect the seller's page confirms) versus fetch failed (503, timeout, block page), the evidence
and custody of a removal, the removal-page recognisers, and the overdue report."""

from __future__ import annotations

import contextlib
import io
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from warcio.archiveiterator import ArchiveIterator

from crawler.config import get_settings
from crawler.followup import run_followup
from crawler.overdue import overdue_report
from evidence.custody import custody_entries, verify_chain
from evidence.store import evidence_store
from extraction.decode import read_html
from review.workflow import Role, transition_listing
from spiders.parsing.removed import removal_notice
from storage.db import session_factory, upgrade_database
from storage.models import Capture, CrawlRun, Listing, ReviewStatus, RunStatus
from storage.repository import store_listings
from tests.e2e_support import run_cli
from tests.factories import T0, make_item, referral_row

PAGES: dict[str, tuple[int, str]] = {
    "/item/up": (
        200,
        "<html><head><title>BM10 mini phone</title></head><body><h1>BM10 mini phone</h1></body></html>",
    ),
    "/item/gone404": (404, "<html><body>Not found</body></html>"),
    "/item/gone410": (410, "<html><body>Gone</body></html>"),
    "/item/ended": (200, "<html><body><div class='notice'>This listing has ended.</div></body></html>"),
    "/item/busy": (503, "<html><body>Service unavailable</body></html>"),
    "/item/blocked": (
        200,
        "<html><head><title>Pardon Our Interruption...</title></head><body>x</body></html>",
    ),
    "/search": (200, "<html><body>Results for mini phone</body></html>"),
    "/seller/1": (200, "<html><body><a href='/item/other'>other</a></body></html>"),
}
SLOW_SECONDS = 3.0


class MarketHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/item/slow":
            time.sleep(SLOW_SECONDS)
        if self.path == "/item/moved":
            self.send_response(302)
            self.send_header("Location", "/search")
            self.end_headers()
            return
        status, body = PAGES.get(self.path, (200, "<html><body>BM10 mini phone</body></html>"))
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):  # the follow-up gave up on /item/slow: expected
            self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def market() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), MarketHandler)
    server.daemon_threads = True
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def sessions(database_url: str, monkeypatch: pytest.MonkeyPatch) -> sessionmaker[Session]:
    monkeypatch.setenv("THUMBWATCH_DOWNLOAD_TIMEOUT", "1")
    monkeypatch.setenv("THUMBWATCH_DOWNLOAD_DELAY", "0")
    get_settings.cache_clear()
    return session_factory(upgrade_database(database_url))


def refer(
    sessions: sessionmaker[Session],
    external_id: str,
    url: str,
    seller_url: str | None = None,
    marketplace: str = "test-market",
    referred_at: datetime = T0,
) -> int:
    item = make_item(external_id=external_id)
    item.url, item.seller_url, item.marketplace = url, seller_url, marketplace
    with sessions.begin() as session:
        store_listings(session, [item])
        assert item.listing_id is not None
        transition_listing(session, item.listing_id, ReviewStatus.CONFIRMED, actor="ana", role=Role.ANALYST)
        transition_listing(
            session,
            item.listing_id,
            ReviewStatus.REFERRED,
            actor="sup",
            role=Role.SUPERVISOR,
            clock=lambda: referred_at,
        )
    return item.listing_id


def statuses(sessions: sessionmaker[Session]) -> dict[str, ReviewStatus]:
    with sessions() as session:
        return {
            eid: status for eid, status in session.execute(select(Listing.external_id, Listing.review_status))
        }


def test_gone_versus_fetch_failed(sessions: sessionmaker[Session], market: str) -> None:
    for name in ("up", "gone404", "gone410", "ended", "busy", "slow", "blocked"):
        refer(sessions, name, f"{market}/item/{name}")
    refer(sessions, "moved", f"{market}/item/moved", seller_url=f"{market}/seller/1")

    summary = run_followup(sessions)

    assert dict(summary.counts) == {
        "checked": 8,
        "removed": 4,
        "up": 1,
        "fetch_failed": 3,
        "fetch_failed/http_503": 1,
        "fetch_failed/timeout": 1,
        "fetch_failed/blocked": 1,
    }
    removed, referred = ReviewStatus.REMOVED, ReviewStatus.REFERRED
    assert statuses(sessions) == {
        "up": referred,
        "gone404": removed,
        "gone410": removed,
        "ended": removed,
        "busy": referred,
        "slow": referred,
        "blocked": referred,
        "moved": removed,
    }
    reasons = {r["listing_id"]: r["reason"] for r in summary.results}
    with sessions() as session:
        ids = {eid: lid for eid, lid in session.execute(select(Listing.external_id, Listing.id))}
        run = session.get(CrawlRun, summary.run_id)
        assert run is not None and run.spider == "followup"
        assert (run.status, run.error) == (RunStatus.DEGRADED, "3 of 8 could not be checked")
        assert run.stats["thumbwatch/followup/removed"] == 4
    assert reasons[ids["gone410"]] == "HTTP 410"
    assert reasons[ids["ended"]] == "the page says 'this listing has ended'"
    assert reasons[ids["moved"]] == f"redirected to {market}/search and no longer in the seller's listings"
    assert reasons[ids["slow"]] == "timeout after 1s"
    assert reasons[ids["blocked"]] == "blocked: block page titled 'Pardon Our Interruption...'"


def test_a_removal_keeps_the_fetch_as_evidence_with_custody(
    sessions: sessionmaker[Session], market: str
) -> None:
    listing_id = refer(sessions, "gone404", f"{market}/item/gone404")
    summary = run_followup(sessions)
    assert summary.counts["removed"] == 1
    with sessions() as session:
        (capture,) = session.scalars(
            select(Capture).where(Capture.listing_id == listing_id, Capture.purpose == "followup")
        )
        (item,) = capture.items
        assert (item.kind, item.media_type, capture.captured_by) == ("warc", "application/warc", "followup")
        assert capture.crawl_run_id == summary.run_id
        responses = [
            (
                r.http_headers.get_statuscode(),
                r.rec_headers.get_header("WARC-Target-URI"),
                r.content_stream().read(),
            )
            for r in ArchiveIterator(io.BytesIO(evidence_store().read(item.sha256)))
            if r.rec_type == "response"
        ]
        assert responses == [("404", f"{market}/item/gone404", b"<html><body>Not found</body></html>")]
        entries = custody_entries(session, [listing_id])
        assert [e.action for e in entries] == [
            "review.confirmed",
            "review.referred",
            "capture",
            "review.removed",
        ]
        removal = entries[-1]
        assert (removal.actor, removal.details["role"], removal.details["note"]) == (
            "followup",
            "system",
            "HTTP 404",
        )
        assert removal.evidence_hashes == [item.sha256]
        assert verify_chain(custody_entries(session)) == []


def test_an_unreachable_marketplace_fails_the_run_and_removes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    refer(sessions, "a", "http://127.0.0.1:9/item/a")
    summary = run_followup(sessions)
    assert (summary.counts["fetch_failed"], summary.counts["fetch_failed/unreachable"]) == (1, 1)
    assert statuses(sessions) == {"a": ReviewStatus.REFERRED}
    with sessions() as session:
        run = session.get(CrawlRun, summary.run_id)
        assert run is not None and run.status is RunStatus.FAILED


def test_removal_pages_are_recognised_per_marketplace() -> None:
    ended = '<html><body><script>{"isItemEnded":true}</script><h1>Nano phone</h1></body></html>'
    assert (
        removal_notice("ebay.co.uk", ended)
        == 'the page\'s item state says it ended ("isItemEnded"\\s*:\\s*true)'
    )
    assert removal_notice("ebay.fr", "<body><p>Cette annonce est terminée.</p></body>") == (
        "the page says 'cette annonce est terminée'"
    )
    assert removal_notice("leboncoin.fr", "<body><h2>Cette annonce n’est plus disponible</h2></body>") == (
        'the page says "cette annonce n\'est plus disponible"'
    )
    # The same words inside a script (a translation table) or on another site's page are not a notice.
    hidden = '<body><script>{"msg":"Cette annonce n\'est plus disponible"}</script><h1>BM10</h1></body>'
    assert removal_notice("leboncoin.fr", hidden) is None
    assert removal_notice("amazon.de", "<body><p>Cette annonce est terminée.</p></body>") is None
    assert removal_notice("amazon.com", "<body><p>Currently unavailable.</p></body>") is None


def test_no_live_saved_page_is_taken_for_a_removal_page(shared_dir: Path) -> None:
    pages = sorted((shared_dir / "realpages").rglob("*.html"))
    assert len(pages) >= 30
    flagged = [p.name for p in pages if removal_notice(p.parent.name, read_html(p.read_bytes()))]
    assert flagged == []


def add_referral(sessions: sessionmaker[Session], listing_id: int, created_at: datetime) -> int:
    with sessions.begin() as session:
        return referral_row(session, listing_id, created_at, package_path="referrals/r.zip")


def test_overdue_report_per_marketplace(sessions: sessionmaker[Session]) -> None:
    now = T0 + timedelta(days=40)
    old = refer(sessions, "old", "http://a.test/item/old", marketplace="a.test")
    add_referral(sessions, old, now - timedelta(days=20))
    recent = refer(sessions, "recent", "http://a.test/item/recent", marketplace="a.test")
    add_referral(sessions, recent, now - timedelta(days=5))
    # No referral package: the date of the custody entry of the referral counts.
    unpackaged = refer(sessions, "b1", "http://b.test/item/b1", marketplace="b.test", referred_at=T0)

    with sessions() as session:
        report = overdue_report(session, now, days=14)
    assert report == [
        {
            "marketplace": "a.test",
            "referred": 2,
            "overdue": 1,
            "oldest_referral": now - timedelta(days=20),
            "max_days": 20,
            "overdue_listings": [old],
        },
        {
            "marketplace": "b.test",
            "referred": 1,
            "overdue": 1,
            "oldest_referral": T0,
            "max_days": 40,
            "overdue_listings": [unpackaged],
        },
    ]
    with sessions() as session:
        assert overdue_report(session, now, days=30)[0]["overdue"] == 0


def test_followup_report_command(isolated_config: Path) -> None:
    sessions = session_factory(upgrade_database(get_settings().resolved_database_url))
    listing_id = refer(sessions, "old", "http://a.test/item/old", marketplace="a.test", referred_at=T0)
    done = run_cli(isolated_config, "followup", "--report", "--format", "json")
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)
    days = (datetime.now(UTC) - T0).days
    assert row == {
        "marketplace": "a.test",
        "referred": 1,
        "overdue": 1,
        "oldest_referral": T0.isoformat(),
        "max_days": days,
        "overdue_listings": [listing_id],
    }
