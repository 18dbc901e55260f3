"""Alert digests: what goes in one, a webhook that fails then succeeds (retries with backoff), a
webhook that refuses (no retry), email to a local aiosmtpd server, every delivery recorded."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any, ClassVar

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crawler.alerts import crawl_digest, deliver_digest
from crawler.config import get_settings
from storage.db import session_factory, upgrade_database
from storage.models import AlertDelivery, Listing, RunStatus
from storage.repository import finish_crawl_run, start_crawl_run, store_listings
from tests.factories import T0, make_item

SECRET = "s3cr3t-token"


@pytest.fixture
def sessions(database_url: str) -> sessionmaker[Session]:
    return session_factory(upgrade_database(database_url))


def configure(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(f"THUMBWATCH_{name.upper()}", value)
    get_settings.cache_clear()


def degraded_run_with_a_hit_and_a_relisting(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    """(run id, new high-tier listing id, relisting id); an older hit is not new to the run."""
    with sessions.begin() as session:
        earlier = start_crawl_run(session, "test", {}, now=T0)
        store_listings(session, [make_item("old")], crawl_run_id=earlier, now=T0)
        run_id = start_crawl_run(session, "test", {}, now=T0 + timedelta(days=1))
        later = T0 + timedelta(days=1, minutes=1)
        fresh = make_item("new", title="Zanco tiny t1", fetched_at=later, score=95)
        low = make_item("low", title="phone case", fetched_at=later, score=10, flagged=False)
        again = make_item("old", fetched_at=later)
        store_listings(session, [fresh, low, again], crawl_run_id=run_id, now=later)
        relisted = session.get(Listing, fresh.listing_id)
        assert relisted is not None
        relisted.relisting_of_id, relisted.relisting_reason = again.listing_id, "same seller as listing 1"
        finish_crawl_run(session, run_id, RunStatus.DEGRADED, {}, "2 error(s): http_500=2", later)
    assert fresh.listing_id is not None
    return run_id, fresh.listing_id, fresh.listing_id


def test_a_crawl_digest_holds_new_high_hits_relistings_and_the_run_problem(
    sessions: sessionmaker[Session],
) -> None:
    run_id, new_id, relisting_id = degraded_run_with_a_hit_and_a_relisting(sessions)
    with sessions() as session:
        digest = crawl_digest(session, run_id)
    assert [(h["listing_id"], h["title"], h["score"]) for h in digest.new_hits] == [
        (new_id, "Zanco tiny t1", 95)
    ]
    assert [r["listing_id"] for r in digest.relistings] == [relisting_id]
    assert digest.crawl_problems == [
        {"run_id": run_id, "spider": "test", "status": "degraded", "error": "2 error(s): http_500=2"}
    ]
    assert (
        digest.subject()
        == f"thumbwatch test run {run_id}: 1 new high-tier hit(s), 1 relisting(s), crawl degraded"
    )


def test_an_empty_digest_is_not_sent(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, alert_webhook_url="http://127.0.0.1:9/hook")
    with sessions.begin() as session:
        run_id = start_crawl_run(session, "test", {}, now=T0)
        finish_crawl_run(session, run_id, RunStatus.OK, {}, None, T0)
    with sessions() as session:
        digest = crawl_digest(session, run_id)
    assert digest.empty and deliver_digest(sessions, digest) == []


class Receiver(BaseHTTPRequestHandler):
    """Answers each POST with the next status of `answers` (200 when none is left)."""

    answers: ClassVar[list[int]] = []
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status = self.answers.pop(0) if self.answers else 200
        type(self).received.append({"path": self.path, "status": status, "json": json.loads(body)})
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[Receiver]]]:
    handler = type("TestReceiver", (Receiver,), {"answers": [], "received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def test_webhook_retries_with_backoff_until_it_succeeds(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, receiver: tuple[str, type[Receiver]]
) -> None:
    url, handler = receiver
    handler.answers = [503, 500]
    configure(monkeypatch, alert_webhook_url=f"{url}/hook/{SECRET}?key={SECRET}", alert_backoff="0.5")
    run_id, _, _ = degraded_run_with_a_hit_and_a_relisting(sessions)
    with sessions() as session:
        digest = crawl_digest(session, run_id)
    slept: list[float] = []
    (delivery,) = deliver_digest(sessions, digest, sleep=slept.append)
    assert slept == [0.5, 1.0]
    assert [r["status"] for r in handler.received] == [503, 500, 200]
    assert handler.received[-1]["path"] == f"/hook/{SECRET}?key={SECRET}"
    assert handler.received[-1]["json"] == json.loads(json.dumps(digest.to_json()))
    with sessions() as session:
        stored = session.scalars(select(AlertDelivery)).one()
        assert (stored.channel, stored.status, stored.attempts, stored.error) == ("webhook", "sent", 3, None)
        assert stored.crawl_run_id == run_id and stored.digest["new_hits"] == digest.new_hits
        assert stored.target == f"http://127.0.0.1:{url.rsplit(':', 1)[1]}/…"
        assert SECRET not in stored.target and delivery.target == stored.target


def test_a_refusing_webhook_is_not_retried_and_the_failure_recorded(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, receiver: tuple[str, type[Receiver]]
) -> None:
    url, handler = receiver
    handler.answers = [400]
    configure(monkeypatch, alert_webhook_url=f"{url}/hook", alert_backoff="0.5")
    run_id, _, _ = degraded_run_with_a_hit_and_a_relisting(sessions)
    with sessions() as session:
        digest = crawl_digest(session, run_id)
    slept: list[float] = []
    deliver_digest(sessions, digest, sleep=slept.append)
    assert slept == [] and len(handler.received) == 1
    with sessions() as session:
        stored = session.scalars(select(AlertDelivery)).one()
        assert (stored.status, stored.attempts, stored.error) == ("failed", 1, "HTTP 400")


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            (
                envelope.mail_from,
                list(envelope.rcpt_tos),
                message_from_bytes(envelope.content, policy=policy.default),
            )
        )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_email_digest_through_a_local_smtp_server(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        configure(
            monkeypatch,
            smtp_host="127.0.0.1",
            smtp_port=str(port),
            smtp_starttls="false",
            smtp_from="thumbwatch@unit.example",
            smtp_to="duty@unit.example, lead@unit.example",
        )
        run_id, new_id, _ = degraded_run_with_a_hit_and_a_relisting(sessions)
        with sessions() as session:
            digest = crawl_digest(session, run_id)
        (delivery,) = deliver_digest(sessions, digest)
    finally:
        controller.stop()
    assert (delivery.channel, delivery.status, delivery.attempts) == ("email", "sent", 1)
    assert delivery.target == "duty@unit.example, lead@unit.example"
    ((sender, recipients, message),) = mailbox.messages
    assert (sender, recipients) == ("thumbwatch@unit.example", ["duty@unit.example", "lead@unit.example"])
    assert str(message["Subject"]).strip() == digest.subject()  # folded: a long subject
    text, attachment = [part for part in message.walk() if not part.is_multipart()]
    body = text.get_content()
    assert "- [95] L8star BM10: Zanco tiny t1 <http://market.test/item/new>" in body
    assert "degraded: 2 error(s): http_500=2" in body
    assert json.loads(attachment.get_payload(decode=True))["new_hits"][0]["listing_id"] == new_id
