"""The review console in a real browser: Debian Chromium driven by Playwright against a server
started with `thumbwatch serve` on an ephemeral port. Screenshots of the pages are saved as
test artifacts (``test-artifacts/`` or ``$THUMBWATCH_TEST_ARTIFACTS``)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright
from sqlalchemy import select

from crawler.config import get_settings
from crawler.settings import PLAYWRIGHT_LAUNCH_OPTIONS
from evidence.store import evidence_store
from storage.models import Listing, ReviewStatus
from tests.e2e_support import THUMBWATCH
from tests.factories import captured_listing, stored_listing
from tests.review_support import PASSWORD, make_console

pytestmark = pytest.mark.browser
UNIT = {"THUMBWATCH_UNIT_NAME": "Cyber unit test", "THUMBWATCH_UNIT_EMAIL": "unit@example.org"}
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"
ARTIFACTS = Path(
    os.environ.get("THUMBWATCH_TEST_ARTIFACTS", Path(__file__).resolve().parents[1] / "test-artifacts")
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(isolated_config: Path) -> Iterator[tuple[str, object]]:
    if not Path(PLAYWRIGHT_LAUNCH_OPTIONS["executable_path"]).is_file():
        pytest.skip(f"Chromium not installed at {PLAYWRIGHT_LAUNCH_OPTIONS['executable_path']}")
    console = make_console()
    store = evidence_store()
    for n in range(8):
        title, price = f"L8star BM10 mini phone lot {n}", f"{20 + n}.00"
        captured_listing(console.sessions, store, external_id=f"P{n}", title=title, price=price)
    stored_listing(console.sessions, external_id="EVIL", title=HOSTILE + " BM10 mini")
    port = _free_port()
    env = {**os.environ, "THUMBWATCH_HOME": str(isolated_config), **UNIT}
    env.pop("THUMBWATCH_DATABASE_URL", None)
    server = subprocess.Popen(
        [*THUMBWATCH, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if server.poll() is not None:
                pytest.fail(
                    f"thumbwatch serve exited: {server.stdout.read().decode() if server.stdout else ''}"
                )
            time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{port}", console
    finally:
        server.terminate()
        server.wait(10)


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"review-{name}.png"), full_page=True)


def _login(page: Page, base: str, name: str) -> None:
    page.goto(f"{base}/queue")
    assert "/login" in page.url
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/queue")


def test_analyst_triages_in_a_real_browser(served: tuple[str, object]) -> None:
    base, console = served
    dialogs: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**PLAYWRIGHT_LAUNCH_OPTIONS)
        page = browser.new_page(viewport={"width": 1360, "height": 900})
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"{base}/login")
        _shot(page, "login")
        _login(page, base, "ana")
        _shot(page, "queue")

        # the hostile title is text, and nothing ran
        assert page.get_by_text("<script>alert(1)</script>", exact=False).count() >= 1
        assert dialogs == []

        page.fill("input[name=q]", "lot 3")
        page.click("#filters button[type=submit]")
        assert page.locator("table.queue tbody tr[data-href]").count() == 1
        _shot(page, "queue-filtered")

        # keyboard triage: j selects the first row, o opens it
        page.keyboard.press("j")
        page.keyboard.press("o")
        page.wait_for_url("**/listings/*")
        _shot(page, "listing")
        page.click("button[data-key=c]")
        page.wait_for_load_state()
        assert "marked confirmed" in page.inner_text(".flash")
        assert "review.confirmed" in page.inner_text("body")

        # dismiss another listing with a reason
        page.goto(f"{base}/queue?q=lot+5")
        page.click("table.queue tbody a")
        page.select_option("#dismiss-form select[name=reason]", "accessory only")
        page.fill("#dismiss-form input[name=note]", "a case, not a phone")
        page.click("#dismiss-form button[type=submit]")
        page.wait_for_load_state()
        assert "marked dismissed" in page.inner_text(".flash")

        page.goto(f"{base}/queue?q=onerror")
        page.click("table.queue tbody a")
        page.wait_for_url("**/listings/*")
        assert HOSTILE in page.inner_text("h1")
        _shot(page, "listing-hostile")
        page.goto(f"{base}/audit")
        _shot(page, "audit")

        # a supervisor builds and downloads the referral of the confirmed listing
        supervisor = browser.new_page(viewport={"width": 1360, "height": 900}, accept_downloads=True)
        supervisor.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        _login(supervisor, base, "sam")
        supervisor.goto(f"{base}/referrals")
        supervisor.check("#referral-form input[name=listing_ids]:not([disabled])")
        supervisor.click("#referral-form button[type=submit]")
        supervisor.wait_for_load_state()
        assert "referral 1 recorded" in supervisor.inner_text(".flash")
        _shot(supervisor, "referrals")
        with supervisor.expect_download() as download_info:
            supervisor.click("a.download")
        saved = Path(download_info.value.path())
        assert saved.read_bytes()[:2] == b"PK"
        browser.close()
    assert dialogs == []
    with console.sessions() as session:  # type: ignore[attr-defined]
        statuses = dict(session.execute(select(Listing.external_id, Listing.review_status)).all())
    assert statuses["P3"] is ReviewStatus.REFERRED and statuses["P5"] is ReviewStatus.DISMISSED
    assert get_settings().resolved_home.exists()
