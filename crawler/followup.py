"""Follow-up of referred listings: is each one gone, and which referrals are overdue.

`run_followup` re-fetches every listing whose status is ``referred`` and judges the answer:

- removed: HTTP 404 or 410, the marketplace's "listing ended/removed" page
  (`spiders.parsing.removed`), or a redirect away from the listing to a page that is not it
  while the seller's own page no longer lists it. The fetch is kept as evidence (a WARC in a
  ``followup`` capture) and the status becomes ``removed`` through the review workflow, as the
  SYSTEM role, which writes the custody entry;
- still up: the page still shows the listing;
- fetch failed: a timeout, a network error, a block page, a 5xx or any other answer. Never
  removal: a marketplace under load or suspecting a crawler says nothing about the listing.

Each follow-up is recorded as a crawl run of the pseudo-spider ``followup`` with its counts;
`crawler.overdue` reports the referrals still not removed after the configured number of days.
"""

from __future__ import annotations

import enum
import logging
import platform
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crawler.blocking import detect_block
from crawler.config import get_settings
from crawler.followup_fetch import FetchedPage, Fetcher, HostPacer, fetch_page
from evidence.capture import EvidenceBlob, capture_listing, describe_tools, tool_versions
from evidence.custody import Clock
from evidence.store import EvidenceStore, evidence_store
from evidence.warc import WARC_MEDIA_TYPE, CapturedExchange, build_warc
from extraction.decode import read_html
from review.workflow import Role, TransitionError, transition_listing
from spiders.parsing.removed import removal_notice
from storage.models import (
    Listing,
    Marketplace,
    ReviewStatus,
    RunStatus,
    Seller,
    utcnow,
)
from storage.repository import current_snapshot_ids, finish_crawl_run, start_crawl_run

logger = logging.getLogger(__name__)

FOLLOWUP_SPIDER = "followup"
ACTOR = "followup"
PURPOSE = "followup"
STATS_PREFIX = "thumbwatch/followup/"
RESULTS_KEPT = 500


class Verdict(enum.StrEnum):
    REMOVED = "removed"
    UP = "up"
    FETCH_FAILED = "fetch_failed"


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    reason: str
    kind: str = ""  # of a failed fetch, for the counts: timeout, http_503, blocked, ...


def _gone_from(fetched: FetchedPage, external_id: str) -> bool:
    """The fetch ended on a page that is not the listing (e.g. a redirect to search results)."""
    return fetched.final_url != fetched.url and external_id not in fetched.final_url


def judge_fetch(marketplace: str, fetched: FetchedPage) -> Judgement:
    """What a fetch of a listing's page says on its own (redirects are judged by the caller)."""
    if fetched.status is None:
        error = fetched.error or "no answer"
        return Judgement(
            Verdict.FETCH_FAILED, error, "timeout" if error.startswith("timeout") else "unreachable"
        )
    if fetched.status in (404, 410):
        return Judgement(Verdict.REMOVED, f"HTTP {fetched.status}")
    if fetched.status >= 500:
        return Judgement(Verdict.FETCH_FAILED, f"HTTP {fetched.status}", f"http_{fetched.status}")
    blocked = detect_block(fetched.status, fetched.body)
    if blocked is not None:
        return Judgement(Verdict.FETCH_FAILED, f"blocked: {blocked}", "blocked")
    if fetched.status != 200:
        return Judgement(Verdict.FETCH_FAILED, f"HTTP {fetched.status}", f"http_{fetched.status}")
    notice = removal_notice(marketplace, read_html(fetched.body, fetched.header("Content-Type")))
    if notice is not None:
        return Judgement(Verdict.REMOVED, notice)
    return Judgement(Verdict.UP, "the page still shows the listing")


@dataclass(frozen=True)
class ReferredListing:
    listing_id: int
    marketplace: str
    external_id: str
    url: str
    seller_url: str | None


def referred_listings(session: Session) -> list[ReferredListing]:
    rows = session.execute(
        select(Listing.id, Marketplace.slug, Listing.external_id, Listing.url, Seller.url)
        .join(Marketplace, Marketplace.id == Listing.marketplace_id)
        .outerjoin(Seller, Seller.id == Listing.seller_id)
        .where(Listing.review_status == ReviewStatus.REFERRED)
        .order_by(Listing.id)
    )
    return [ReferredListing(*row) for row in rows]


def check_listing(target: ReferredListing, fetch: Fetcher) -> tuple[Judgement, FetchedPage]:
    """Fetch and judge one referred listing; the fetch returned is the one to keep as evidence."""
    fetched = fetch(target.url)
    judgement = judge_fetch(target.marketplace, fetched)
    if judgement.verdict is not Verdict.UP or not _gone_from(fetched, target.external_id):
        return judgement, fetched
    # Redirected away from the listing: gone only if the seller's own page confirms it.
    unconfirmed = f"redirected to {fetched.final_url}"
    if not target.seller_url:
        return Judgement(
            Verdict.FETCH_FAILED, f"{unconfirmed}; no seller page", "redirect_unconfirmed"
        ), fetched
    seller_page = fetch(target.seller_url)
    seller = judge_fetch(target.marketplace, seller_page)
    if seller.verdict is not Verdict.UP:
        reason = f"{unconfirmed}; seller page: {seller.reason}"
        return Judgement(Verdict.FETCH_FAILED, reason, "redirect_unconfirmed"), fetched
    if target.external_id.encode() in seller_page.body:
        return Judgement(Verdict.UP, f"{unconfirmed} but the seller still lists it"), fetched
    reason = f"{unconfirmed} and no longer in the seller's listings"
    return Judgement(Verdict.REMOVED, reason), fetched


def _warc_blob(fetched: FetchedPage, clock: Clock) -> EvidenceBlob:
    exchange = CapturedExchange(
        method="GET",
        url=fetched.url,
        request_headers=fetched.request_headers,
        request_body=b"",
        status=fetched.status or 0,
        response_url=fetched.final_url,
        response_headers=fetched.response_headers,
        response_body=fetched.body,
        fetched_at=fetched.fetched_at,
    )
    tools = [tool for tool in tool_versions(from_browser=False) if tool[0] != "Scrapy"]
    tools.append(("Python-urllib", platform.python_version()))
    return EvidenceBlob(
        kind="warc",
        data=build_warc(exchange, tools, clock=clock),
        media_type=WARC_MEDIA_TYPE,
        source_url=fetched.final_url,
        tool_version=describe_tools(tools),
    )


def record_removal(
    session: Session,
    store: EvidenceStore,
    target: ReferredListing,
    judgement: Judgement,
    fetched: FetchedPage,
    run_id: int,
    clock: Clock = utcnow,
) -> None:
    """Keep the fetch as evidence and move the listing to ``removed`` (inside the caller's transaction)."""
    snapshot_id = current_snapshot_ids(session, [target.listing_id])[target.listing_id]
    capture = capture_listing(
        session,
        store,
        listing_id=target.listing_id,
        snapshot_id=snapshot_id,
        url=fetched.final_url,
        blobs=[_warc_blob(fetched, clock)],
        captured_by=ACTOR,
        crawl_run_id=run_id,
        purpose=PURPOSE,
        details={"verdict": judgement.reason, "http_status": fetched.status},
        clock=clock,
    )
    transition_listing(
        session,
        target.listing_id,
        ReviewStatus.REMOVED,
        actor=ACTOR,
        role=Role.SYSTEM,
        note=judgement.reason,
        details={"capture_id": capture.capture_id, "http_status": fetched.status, "followup_run_id": run_id},
        evidence_hashes=tuple(capture.hashes.values()),
        clock=clock,
    )


@dataclass
class FollowupSummary:
    run_id: int
    counts: Counter[str] = field(default_factory=Counter)
    results: list[dict[str, Any]] = field(default_factory=list)

    def describe(self) -> str:
        return (
            f"{self.counts['checked']} referred listing(s) checked: {self.counts['removed']} removed, "
            f"{self.counts['up']} still up, {self.counts['fetch_failed']} could not be checked"
        )


def run_followup(
    sessions: sessionmaker[Session],
    *,
    fetch: Fetcher | None = None,
    store: EvidenceStore | None = None,
    clock: Clock = utcnow,
    sleep: Callable[[float], None] | None = None,
) -> FollowupSummary:
    """Check every referred listing once, recording the follow-up as a crawl run."""
    settings = get_settings()
    if fetch is None:
        pacer = HostPacer(settings.download_delay, sleep or time.sleep)

        def fetch(url: str) -> FetchedPage:
            pacer.wait(url)
            return fetch_page(url, settings.resolved_user_agent, settings.download_timeout, clock)

    store = store or evidence_store()
    with sessions.begin() as session:
        run_id = start_crawl_run(session, FOLLOWUP_SPIDER, {}, now=clock())
        targets = referred_listings(session)
    summary = FollowupSummary(run_id)
    try:
        for target in targets:
            judgement, fetched = check_listing(target, fetch)
            verdict = judgement.verdict
            if verdict is Verdict.REMOVED:
                try:
                    with sessions.begin() as session:
                        record_removal(session, store, target, judgement, fetched, run_id, clock)
                except TransitionError as exc:  # someone changed its status meanwhile
                    judgement = Judgement(Verdict.FETCH_FAILED, str(exc), "status_changed")
                    verdict = judgement.verdict
            summary.counts["checked"] += 1
            summary.counts[verdict.value] += 1
            if verdict is Verdict.FETCH_FAILED:
                summary.counts[f"fetch_failed/{judgement.kind}"] += 1
            if len(summary.results) < RESULTS_KEPT:
                summary.results.append(
                    {"listing_id": target.listing_id, "verdict": verdict.value, "reason": judgement.reason}
                )
            logger.info(
                "follow-up of listing %s: %s (%s)", target.listing_id, verdict.value, judgement.reason
            )
    except BaseException as exc:
        _finish(sessions, summary, RunStatus.FAILED, f"follow-up crashed: {type(exc).__name__}: {exc}", clock)
        raise
    failed = summary.counts["fetch_failed"]
    if failed and failed == summary.counts["checked"]:
        status, error = RunStatus.FAILED, f"no referred listing could be checked ({failed})"
    elif failed:
        status, error = RunStatus.DEGRADED, f"{failed} of {summary.counts['checked']} could not be checked"
    else:
        status, error = RunStatus.OK, None
    _finish(sessions, summary, status, error, clock)
    return summary


def _finish(
    sessions: sessionmaker[Session],
    summary: FollowupSummary,
    status: RunStatus,
    error: str | None,
    clock: Clock,
) -> None:
    stats: dict[str, Any] = {STATS_PREFIX + key: value for key, value in sorted(summary.counts.items())}
    stats[STATS_PREFIX + "results"] = summary.results
    with sessions.begin() as session:
        finish_crawl_run(session, summary.run_id, status, stats, error, now=clock())
