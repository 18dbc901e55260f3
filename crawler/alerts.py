"""Alert digests: one message after each run, to a JSON webhook and by email.

After a crawl: its new high-tier hits, the relistings it found, and the run itself when it ended
degraded, failed or interrupted. After the daily follow-up: the overdue referrals, and the
follow-up run when it could not check everything. An empty digest is not sent.

Channels come from the configuration: ``THUMBWATCH_ALERT_WEBHOOK_URL`` (POST of the digest as
JSON; connection errors, timeouts, 429 and 5xx are retried with exponential backoff) and SMTP
(``THUMBWATCH_SMTP_*``, STARTTLS when configured, login when a user is set). Every delivery,
sent or failed, is recorded as an `AlertDelivery`. Secrets (the webhook URL's path and query,
the SMTP password) are never logged nor stored: the recorded target keeps only the host.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crawler.config import ThumbwatchSettings, get_settings
from storage.models import AlertDelivery, CrawlRun, Hit, Listing, Marketplace, RunStatus

logger = logging.getLogger(__name__)

ALERT_TIER = "high"
HTTP_TIMEOUT = 20.0
SMTP_TIMEOUT = 30.0
PROBLEM_STATUSES = (RunStatus.DEGRADED, RunStatus.FAILED, RunStatus.INTERRUPTED)

Sleep = Callable[[float], None]


class DeliveryError(Exception):
    """A delivery attempt failed; `retry` says whether trying again may help."""

    def __init__(self, message: str, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


@dataclass
class Digest:
    kind: str  # "crawl" or "followup"
    crawl_run_id: int
    spider: str
    run_status: str
    generated_at: str
    new_hits: list[dict[str, Any]] = field(default_factory=list)
    relistings: list[dict[str, Any]] = field(default_factory=list)
    crawl_problems: list[dict[str, Any]] = field(default_factory=list)
    overdue_referrals: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.new_hits or self.relistings or self.crawl_problems or self.overdue_referrals)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def subject(self) -> str:
        parts = [
            f"{len(self.new_hits)} new high-tier hit(s)" if self.new_hits else "",
            f"{len(self.relistings)} relisting(s)" if self.relistings else "",
            f"crawl {self.run_status}" if self.crawl_problems else "",
            f"{len(self.overdue_referrals)} overdue referral(s)" if self.overdue_referrals else "",
        ]
        return f"thumbwatch {self.spider} run {self.crawl_run_id}: " + ", ".join(p for p in parts if p)

    def text(self) -> str:
        lines = [self.subject(), ""]
        for problem in self.crawl_problems:
            lines.append(
                f"Run {problem['run_id']} ({problem['spider']}) {problem['status']}: {problem['error']}"
            )
        if self.new_hits:
            lines += ["", "New high-tier hits:"]
            lines += [
                f"- [{h['score']}] {h['device_name']}: {h['title']} <{h['url']}>" for h in self.new_hits
            ]
        if self.relistings:
            lines += ["", "Relistings (review first):"]
            lines += [
                f"- listing {r['listing_id']}: {r['title']} <{r['url']}> ({r['reason']})"
                for r in self.relistings
            ]
        if self.overdue_referrals:
            lines += ["", "Overdue referrals (still up):"]
            lines += [
                f"- {o['marketplace']}: listing {o['listing_id']}, referred {o['referred_at']} "
                f"({o['days']} days) <{o['url']}>"
                for o in self.overdue_referrals
            ]
        return "\n".join(lines) + "\n"


def _run(session: Session, run_id: int) -> CrawlRun:
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise ValueError(f"crawl run {run_id} does not exist")
    return run


def _new_digest(run: CrawlRun, kind: str) -> Digest:
    digest = Digest(kind, run.id, run.spider, run.status.value, datetime.now(UTC).isoformat())
    if run.status in PROBLEM_STATUSES:
        digest.crawl_problems.append(
            {"run_id": run.id, "spider": run.spider, "status": run.status.value, "error": run.error}
        )
    return digest


def crawl_digest(session: Session, run_id: int) -> Digest:
    """New high-tier hits and relistings of crawl run `run_id`, and the run if it went wrong."""
    run = _run(session, run_id)
    digest = _new_digest(run, "crawl")
    rows = session.execute(
        select(Hit, Listing, Marketplace.slug)
        .join(Listing, Listing.id == Hit.listing_id)
        .join(Marketplace, Marketplace.id == Listing.marketplace_id)
        .where(Listing.last_crawl_run_id == run_id, Hit.created_at >= run.started_at, Hit.tier == ALERT_TIER)
        .order_by(Hit.score.desc(), Listing.id)
    )
    digest.new_hits = [
        {
            "listing_id": listing.id,
            "marketplace": slug,
            "title": listing.title,
            "url": listing.url,
            "device_name": hit.device_name,
            "score": hit.score,
        }
        for hit, listing, slug in rows
    ]
    relisted = session.scalars(
        select(Listing)
        .where(
            Listing.last_crawl_run_id == run_id,
            Listing.first_seen >= run.started_at,
            Listing.relisting_of_id.is_not(None),
        )
        .order_by(Listing.id)
    )
    digest.relistings = [
        {
            "listing_id": listing.id,
            "title": listing.title,
            "url": listing.url,
            "relisting_of": listing.relisting_of_id,
            "reason": listing.relisting_reason,
        }
        for listing in relisted
    ]
    return digest


def followup_digest(session: Session, run_id: int, now: datetime | None = None) -> Digest:
    """The overdue referrals after follow-up run `run_id`, and the run if it went wrong."""
    from crawler.overdue import overdue_referrals

    digest = _new_digest(_run(session, run_id), "followup")
    digest.overdue_referrals = [
        {
            "listing_id": item.listing_id,
            "marketplace": item.marketplace,
            "url": item.url,
            "referred_at": item.referred_at.isoformat(),
            "referral_id": item.referral_id,
            "days": item.days,
        }
        for item in overdue_referrals(session, now or datetime.now(UTC))
    ]
    return digest


def redacted_target(url: str) -> str:
    """What may be shown of a webhook URL: scheme and host (the path often is the secret)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}/…"


def post_webhook(url: str, payload: dict[str, Any]) -> None:
    """One POST of `payload`; raises `DeliveryError` on failure."""
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": get_settings().resolved_user_agent},
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}", retry=exc.code == 429 or exc.code >= 500) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"unreachable: {reason}", retry=True) from None


def send_email(settings: ThumbwatchSettings, digest: Digest) -> None:
    """One SMTP delivery of `digest`; raises `DeliveryError` on failure."""
    assert settings.smtp_host and settings.smtp_from
    message = EmailMessage()
    message["Subject"] = digest.subject()
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(smtp_recipients(settings))
    message.set_content(digest.text())
    message.add_attachment(
        json.dumps(digest.to_json(), indent=2, default=str).encode("utf-8"),
        maintype="application",
        subtype="json",
        filename=f"digest-run-{digest.crawl_run_id}.json",
    )
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                smtp.login(settings.smtp_user, password)
            smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"SMTP login refused ({exc.smtp_code})", retry=False) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"SMTP {exc.smtp_code}", retry=400 <= exc.smtp_code < 500) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"recipients refused: {', '.join(exc.recipients)}", retry=False) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}", retry=True) from None


def smtp_recipients(settings: ThumbwatchSettings) -> list[str]:
    return [address.strip() for address in (settings.smtp_to or "").split(",") if address.strip()]


def _with_retries(
    attempt: Callable[[], None], tries: int, backoff: float, sleep: Sleep
) -> tuple[int, str | None]:
    """(attempts made, last error or None) for up to `tries` calls of `attempt`."""
    error: str | None = None
    for number in range(1, tries + 1):
        try:
            attempt()
            return number, None
        except DeliveryError as exc:
            error = str(exc)
            if not exc.retry or number == tries:
                return number, error
            sleep(backoff * 2 ** (number - 1))
    return tries, error


def deliver_digest(
    sessions: sessionmaker[Session], digest: Digest, sleep: Sleep = time.sleep
) -> list[AlertDelivery]:
    """Send `digest` to every configured channel, recording each delivery; nothing if it is empty."""
    if digest.empty:
        return []
    settings = get_settings()
    channels: list[tuple[str, str, Callable[[], None]]] = []
    if settings.alert_webhook_url is not None:
        url = settings.alert_webhook_url.get_secret_value()
        payload = digest.to_json()
        channels.append(("webhook", redacted_target(url), lambda: post_webhook(url, payload)))
    if settings.smtp_host and settings.smtp_from and smtp_recipients(settings):
        target = ", ".join(smtp_recipients(settings))
        channels.append(("email", target, lambda: send_email(settings, digest)))
    deliveries = []
    for channel, target, send in channels:
        attempts, error = _with_retries(send, settings.alert_retries, settings.alert_backoff, sleep)
        if error:
            logger.error("alert by %s to %s failed after %d attempt(s): %s", channel, target, attempts, error)
        delivery = AlertDelivery(
            channel=channel,
            target=target,
            created_at=datetime.now(UTC),
            crawl_run_id=digest.crawl_run_id,
            digest=digest.to_json(),
            status="failed" if error else "sent",
            attempts=attempts,
            error=error,
        )
        with sessions.begin() as session:
            session.add(delivery)
        deliveries.append(delivery)
    return deliveries
