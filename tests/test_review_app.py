"""Route tests of the review console: access control, CSRF, roles, workflow, queue, escaping."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from evidence.store import evidence_store
from evidence.verify import verify_package
from matching.evaluation import read_labels
from review.accounts import (
    AccountError,
    LoginPolicy,
    authenticate,
    check_session,
    enrol_totp,
    open_session,
    record_session_check,
    resume_session,
)
from review.workflow import Role
from storage.images import ImageRecord, upsert_listing_images
from storage.models import Listing, LoginAttempt, Referral, ReviewStatus, User, WebSession
from tests.factories import T0, captured_listing, stored_listing, tiny_png
from tests.review_support import PASSWORD, Console, csrf_of, login, make_console
from tests.sqlite_lock import while_write_locked

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


@pytest.fixture
def console() -> Console:
    return make_console()


def status_of(console: Console, listing_id: int) -> ReviewStatus:
    with console.sessions() as session:
        return session.scalars(select(Listing.review_status).where(Listing.id == listing_id)).one()


def api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute, looking inside included routers (FastAPI wraps them)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found.extend(api_routes(route.original_router.routes))
    return found


def test_every_route_but_login_and_static_refuses_anonymous_requests(console: Console) -> None:
    client = console.client()
    routes = [r for r in api_routes(console.app.routes) if r.path != "/login"]
    assert {r.path for r in routes} >= {"/queue", "/listings/{listing_id}", "/audit", "/runs", "/logout"}
    for route in routes:
        path = route.path.replace("{listing_id}", "1").replace("{sha256}", "a" * 64)
        for method in route.methods:
            response = client.request(method, path, follow_redirects=False)
            if method == "GET":
                assert response.status_code == 303, path
                assert response.headers["location"].startswith("/login?next="), path
            else:
                assert response.status_code == 401, (method, path)
    assert client.get("/static/app.css").status_code == 200


def test_login_sets_a_hardened_cookie_and_logout_ends_the_session(console: Console) -> None:
    client = console.client()
    response = login(client, "ana")
    assert response.status_code == 303 and response.headers["location"] == "/queue"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    queue = client.get("/queue")
    assert queue.status_code == 200 and "ana" in queue.text
    client.post("/logout", data={"csrf_token": csrf_of(queue.text)}, follow_redirects=False)
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_wrong_password_is_refused_logged_and_rate_limited(console: Console) -> None:
    client = console.client()
    for _ in range(5):
        response = login(client, "ana", "wrong password!")
        assert response.status_code == 401 and "wrong user name or password" in response.text
    locked = login(client, "ana")  # even the right password, now
    assert locked.status_code == 401 and "too many failed logins" in locked.text
    with console.sessions() as session:
        details = [a.detail for a in session.scalars(select(LoginAttempt).order_by(LoginAttempt.id))]
    assert details == ["bad credentials"] * 5 + ["rate limited"]


def test_login_without_the_login_csrf_token_is_refused(console: Console) -> None:
    response = console.client().post(
        "/login", data={"username": "ana", "password": PASSWORD, "csrf_token": "x"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_login_never_redirects_off_site(console: Console, target: str) -> None:
    client = console.client()
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": "ana", "password": PASSWORD, "csrf_token": token, "next": target},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/queue"


def test_a_post_without_a_valid_csrf_token_changes_nothing(console: Console) -> None:
    listing_id = stored_listing(console.sessions).listing_id
    client = console.login("ana")
    for token in ("", "forged"):
        response = client.post(
            f"/listings/{listing_id}/decision", data={"to": "confirmed", "csrf_token": token}
        )
        assert response.status_code == 403
    assert status_of(console, listing_id) is ReviewStatus.NEW


def test_analyst_confirms_but_cannot_refer_and_invalid_transitions_are_refused(console: Console) -> None:
    listing_id = stored_listing(console.sessions).listing_id
    client = console.login("ana")
    token = csrf_of(client.get(f"/listings/{listing_id}").text)
    page = client.post(
        f"/listings/{listing_id}/decision", data={"to": "confirmed", "note": "BM10", "csrf_token": token}
    )
    assert "marked confirmed" in page.text and status_of(console, listing_id) is ReviewStatus.CONFIRMED
    page = client.post(f"/listings/{listing_id}/decision", data={"to": "referred", "csrf_token": token})
    assert "needs the supervisor role" in page.text
    page = client.post(f"/listings/{listing_id}/decision", data={"to": "removed", "csrf_token": token})
    assert "cannot go from confirmed to removed" in page.text
    assert status_of(console, listing_id) is ReviewStatus.CONFIRMED
    assert (
        client.post(f"/listings/{listing_id}/decision", data={"to": "bogus", "csrf_token": token}).status_code
        == 403
    )
    detail = client.get(f"/listings/{listing_id}").text
    assert "review.confirmed" in detail and "user:ana" in detail and "BM10" in detail


def test_dismissal_needs_a_reason_and_bulk_actions_report_each_refusal(console: Console) -> None:
    ids = [stored_listing(console.sessions, external_id=f"B{n}").listing_id for n in range(3)]
    client = console.login("ana")
    token = csrf_of(client.get("/queue").text)
    page = client.post("/queue/bulk", data={"listing_ids": ids[:2], "to": "dismissed", "csrf_token": token})
    assert "0 listing(s) marked dismissed" in page.text and "needs a reason" in page.text
    page = client.post(
        "/queue/bulk",
        data={"listing_ids": ids[:2], "to": "dismissed", "reason": "accessory only", "csrf_token": token},
    )
    assert "2 listing(s) marked dismissed" in page.text
    page = client.post("/queue/bulk", data={"listing_ids": ids, "to": "confirmed", "csrf_token": token})
    assert (
        "1 listing(s) marked confirmed" in page.text
        and "dismissed -&gt; confirmed needs the supervisor role" in page.text
    )
    assert [status_of(console, i) for i in ids] == [ReviewStatus.DISMISSED] * 2 + [ReviewStatus.CONFIRMED]


def test_queue_filters_sorts_counts_and_pages(console: Console) -> None:
    for n in range(60):
        stored_listing(
            console.sessions, external_id=f"Q{n:02d}", title=f"mini phone {n:02d}", price=f"{n + 1}.00"
        )
    stored_listing(console.sessions, external_id="NF", title="not flagged", flagged=False, score=5)
    client = console.login("ana")
    first = client.get("/queue").text
    assert "60 listing(s) · page 1 of 2" in first and "not flagged" not in first
    assert client.get("/queue?page=2").text.count('data-href="/listings/') == 10
    cheap = client.get("/queue?sort=price&per_page=25").text
    assert cheap.index("mini phone 00") < cheap.index("mini phone 01") < cheap.index("mini phone 24")
    assert "mini phone 25" not in cheap
    found = client.get("/queue?q=PHONE+07").text
    assert "1 listing(s)" in found and "mini phone 07" in found
    assert "0 listing(s)" in client.get("/queue?marketplace=elsewhere").text
    assert "60 listing(s)" in client.get("/queue?first_seen_from=2026-05-20&first_seen_to=2026-05-20").text
    assert "0 listing(s)" in client.get("/queue?first_seen_from=2026-05-21").text
    bad = client.get("/queue?first_seen_from=yesterday&sort=rand&page=x").text
    assert (
        "first seen from: not a date" in bad and "sort: unknown order" in bad and "page: not a number" in bad
    )
    assert '<span class="count">60</span>' in first  # new


def test_listing_text_is_escaped_everywhere(console: Console) -> None:
    listing_id = stored_listing(console.sessions, title=HOSTILE + " L8star BM10").listing_id
    client = console.login("ana")
    for path in ("/queue", f"/listings/{listing_id}"):
        html = client.get(path).text
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_pages_carry_security_headers(console: Console) -> None:
    client = console.login("ana")
    response = client.get("/queue")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert client.get("/runs").status_code == 200 and client.get("/audit").status_code == 200
    assert client.get("/listings/9999").status_code == 404


def test_sessions_expire_when_idle_or_too_old(console: Console) -> None:
    policy = LoginPolicy(session_lifetime=timedelta(hours=8), idle_timeout=timedelta(minutes=60))
    key = b"k" * 32
    with console.sessions.begin() as session:
        user = session.scalars(select(User).where(User.name == "ana")).one()
        token = open_session(session, user, key, policy, now=T0)
        assert resume_session(session, token, key, policy, now=T0 + timedelta(minutes=59)) is not None
        assert resume_session(session, token, b"other key" * 4, policy, now=T0) is None
        assert resume_session(session, token, key, policy, now=T0 + timedelta(minutes=120)) is None
        token = open_session(session, user, key, policy, now=T0)
        for minutes in range(50, 8 * 60, 50):
            assert (
                resume_session(session, token, key, policy, now=T0 + timedelta(minutes=minutes)) is not None
            )
        assert resume_session(session, token, key, policy, now=T0 + timedelta(hours=8)) is None


def test_a_session_records_a_visit_at_most_once_a_minute(console: Console) -> None:
    policy = LoginPolicy(idle_timeout=timedelta(minutes=60))
    key = b"k" * 32
    with console.sessions.begin() as session:
        user = session.scalars(select(User).where(User.name == "ana")).one()
        token = open_session(session, user, key, policy, now=T0)
    with console.sessions() as session:
        assert check_session(session, token, key, policy, now=T0 + timedelta(seconds=59)).write == "none"
        later = check_session(session, token, key, policy, now=T0 + timedelta(seconds=61))
        assert later.write == "touch" and later.user is not None and later.user.name == "ana"
        dead = check_session(session, token, key, policy, now=T0 + timedelta(minutes=60))
        assert (dead.user, dead.write) == (None, "end")
        assert check_session(session, "no such token", key, policy, now=T0).write == "none"
    with console.sessions.begin() as session:
        record_session_check(session, later, now=T0 + timedelta(seconds=61))
    with console.sessions() as session:
        seen = session.scalars(select(WebSession.last_seen).where(WebSession.id == later.session_id)).one()
        assert seen == T0 + timedelta(seconds=61)
        # Idle time counts from the recorded visit: alive 59 minutes after it, not 60.
        assert check_session(session, token, key, policy, now=T0 + timedelta(minutes=60)).user is not None
        idle = T0 + timedelta(minutes=61, seconds=1)
        assert check_session(session, token, key, policy, now=idle).user is None


def test_page_views_take_no_write_lock(console: Console) -> None:
    """While another process holds SQLite's write lock (a crawl storing a batch), a logged-in
    reviewer's pages still load: they only read."""
    client = console.login("ana")
    listing_id = stored_listing(console.sessions).listing_id
    database = console.sessions.kw["bind"].url.database
    pages = ("/queue", f"/listings/{listing_id}", "/runs", "/audit", "/referrals")
    statuses = while_write_locked(database, lambda: [client.get(path).status_code for path in pages])
    assert statuses == [200] * 5


def test_totp_second_factor(console: Console) -> None:
    with console.sessions.begin() as session:
        uri = enrol_totp(session, "sam")
    secret = pyotp.parse_uri(uri).secret
    client = console.client()
    assert login(client, "sam").status_code == 401
    assert login(client, "sam", totp=pyotp.TOTP(secret).now()).status_code == 303
    required = LoginPolicy(totp_required_roles=frozenset({Role.SUPERVISOR}))
    with console.sessions.begin() as session, pytest.raises(AccountError, match="second factor is required"):
        authenticate(session, "sue", PASSWORD, "", "test", required)


def test_decisions_export_as_labelled_data_that_eval_reads(console: Console) -> None:
    confirmed = stored_listing(console.sessions, external_id="C1").listing_id
    dismissed = stored_listing(console.sessions, external_id="D1", title="BM10 silicone case").listing_id
    stored_listing(console.sessions, external_id="N1")
    client = console.login("ana")
    token = csrf_of(client.get("/queue").text)
    client.post(f"/listings/{confirmed}/decision", data={"to": "confirmed", "csrf_token": token})
    client.post(
        f"/listings/{dismissed}/decision",
        data={"to": "dismissed", "reason": "accessory only", "note": "case", "csrf_token": token},
    )
    response = client.get("/labels.jsonl")
    assert response.headers["content-disposition"].startswith("attachment")
    records = read_labels(response.text.splitlines(), "export")
    assert [(r.id, r.label, r.family) for r in records] == [
        (f"listing-{confirmed}", True, "bm10"),
        (f"listing-{dismissed}", False, None),
    ]
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert rows[1]["note"] == "negative: analyst dismissed; accessory only; case"
    assert rows[0]["decided_by"] == "user:ana"


@pytest.fixture
def unit(monkeypatch: pytest.MonkeyPatch) -> None:
    from crawler.config import get_settings

    monkeypatch.setenv("THUMBWATCH_UNIT_NAME", "Cyber unit test")
    monkeypatch.setenv("THUMBWATCH_UNIT_EMAIL", "unit@example.org")
    get_settings.cache_clear()


def test_referrals_four_eyes_roles_and_package_download(unit: None, tmp_path: Path) -> None:
    console = make_console()
    store = evidence_store()
    ids = [captured_listing(console.sessions, store, external_id=f"R{n}").listing_id for n in range(2)]
    bare = stored_listing(console.sessions, external_id="NOEV").listing_id
    sam = console.login("sam")
    token = csrf_of(sam.get("/queue").text)
    for listing_id in [*ids, bare]:
        sam.post(f"/listings/{listing_id}/decision", data={"to": "confirmed", "csrf_token": token})
    page = sam.get("/referrals").text
    assert "four-eyes: another supervisor refers it" in page and "no evidence captured" in page
    refused = sam.post("/referrals", data={"listing_ids": ids[:1], "csrf_token": token}).text
    assert f"listing {ids[0]}: confirmed by user:sam themselves" in refused

    ana = console.login("ana")
    ana_token = csrf_of(ana.get("/referrals").text)
    assert ana.post("/referrals", data={"listing_ids": ids, "csrf_token": ana_token}).status_code == 403

    sue = console.login("sue")
    sue_token = csrf_of(sue.get("/referrals").text)
    assert sue.post("/referrals", data={"listing_ids": ids}).status_code == 403  # no CSRF token
    done = sue.post("/referrals", data={"listing_ids": ids, "csrf_token": sue_token}).text
    assert "referral 1 recorded" in done
    assert [status_of(console, i) for i in ids] == [ReviewStatus.REFERRED] * 2
    package = sue.get("/referrals/1/package")
    assert package.status_code == 200 and package.headers["content-type"] == "application/zip"
    saved = tmp_path / "downloaded.zip"
    saved.write_bytes(package.content)
    assert verify_package(saved) == []
    with console.sessions() as session:
        referral = session.get(Referral, 1)
        assert referral is not None and referral.created_by == "user:sue"
        assert referral.package_sha256 == hashlib.sha256(package.content).hexdigest()


def test_listing_page_shows_its_images_and_listings_with_a_near_identical_one(console: Console) -> None:
    store = evidence_store()
    blob = store.put(tiny_png())
    first, twin, other = (
        stored_listing(console.sessions, external_id=x, title=f"mini phone {x}").listing_id
        for x in ("A", "B", "C")
    )
    with console.sessions.begin() as session:
        upsert_listing_images(
            session,
            [
                ImageRecord(
                    first,
                    "http://m.test/a.png",
                    0,
                    T0,
                    sha256=blob.sha256,
                    phash="f0f0f0f0f0f0f0f0",
                    media_type="image/png",
                ),
                ImageRecord(
                    twin,
                    "http://m.test/b.png",
                    0,
                    T0,
                    sha256=blob.sha256,
                    phash="f0f0f0f0f0f0f0f1",
                    media_type="image/png",
                ),
                ImageRecord(
                    other,
                    "http://m.test/c.png",
                    0,
                    T0,
                    sha256=blob.sha256,
                    phash="0f0f0f0f0f0f0f0f",
                    media_type="image/png",
                ),
                ImageRecord(other, "http://m.test/broken.png", 1, T0, error="HTTP 404"),
            ],
        )
    client = console.login("ana")
    page = client.get(f"/listings/{first}").text
    near = page[page.index("Near-identical images") :]
    assert f"#{twin} mini phone B" in near and "1 bit apart" in near and "mini phone C" not in near
    assert f'src="/evidence/{blob.sha256}"' in page
    assert "image 2 not fetched" in client.get(f"/listings/{other}").text
    image = client.get(f"/evidence/{blob.sha256}")
    assert (
        image.headers["content-type"] == "image/png" and image.headers["x-content-type-options"] == "nosniff"
    )
    assert image.headers["content-disposition"].startswith("inline")
    assert (
        client.get(f"/evidence/{blob.sha256}?download=true")
        .headers["content-disposition"]
        .startswith("attachment")
    )
    assert client.get(f"/evidence/{'0' * 64}").status_code == 404
