"""What the scheduler's jobs run: a crawl, a queued "crawl now" request, the follow-up.

These are module-level functions because the SQLAlchemy job store keeps a job as a reference
to its function. Each crawl runs in its own child process through `crawler.runner.run_crawl`
(which records the run, and kills a crawl that outlives its timeout); after it, relistings are
detected and the run's alert digest is sent. One crawl per spider runs at a time, whether it
was scheduled or requested.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from crawler.config import get_settings
from crawler.runner import CrawlUsageError, run_crawl
from crawler.scheduling.requests import DONE, FAILED
from storage.db import session_factory, upgrade_database
from storage.models import CrawlRequest

logger = logging.getLogger(__name__)

_busy_spiders: set[str] = set()
_busy_lock = threading.Lock()


@contextmanager
def spider_slot(spider: str) -> Iterator[bool]:
    """Claim `spider` for one crawl in this process; yields False when it is already crawling."""
    with _busy_lock:
        free = spider not in _busy_spiders
        _busy_spiders.add(spider)
    try:
        yield free
    finally:
        if free:
            with _busy_lock:
                _busy_spiders.discard(spider)


def spider_busy(spider: str) -> bool:
    with _busy_lock:
        return spider in _busy_spiders


def project_sessions() -> sessionmaker[Session]:
    return session_factory(upgrade_database(get_settings().resolved_database_url))


def after_crawl(run_id: int) -> None:
    """Relisting detection, then the run's alert digest; a failure here never fails the crawl."""
    from crawler.alerts import crawl_digest, deliver_digest
    from crawler.relisting import detect_relistings

    sessions = project_sessions()
    try:
        with sessions.begin() as session:
            found = detect_relistings(session, run_id)
        if found:
            logger.info("run %s: %d relisting(s) flagged", run_id, len(found))
    except Exception:
        logger.exception("run %s: relisting detection failed", run_id)
    try:
        with sessions() as session:
            digest = crawl_digest(session, run_id)
        deliver_digest(sessions, digest)
    except Exception:
        logger.exception("run %s: alert digest failed", run_id)


def run_scheduled_crawl(spider: str, arguments: dict[str, str], timeout: float | None) -> int | None:
    """A scheduled crawl; returns its run id (None when the spider was still crawling)."""
    with spider_slot(spider) as free:
        if not free:
            logger.warning("scheduled crawl of %s skipped: the previous one is still running", spider)
            return None
        try:
            outcome = run_crawl(spider, arguments, timeout=timeout)
        except CrawlUsageError as exc:
            logger.error("scheduled crawl of %s refused: %s", spider, exc)
            return None
        logger.info("scheduled crawl %s: run %s %s", spider, outcome.run_id, outcome.status.value)
    after_crawl(outcome.run_id)
    return outcome.run_id


def run_crawl_request(request_id: int, timeout: float | None) -> None:
    """Run one claimed `CrawlRequest` (status already ``running``) and record how it ended."""
    sessions = project_sessions()
    with sessions() as session:
        request = session.get(CrawlRequest, request_id)
        assert request is not None, f"crawl request {request_id} vanished"
        spider, arguments = request.spider, dict(request.arguments)
    run_id: int | None = None
    status, error = FAILED, None
    with spider_slot(spider) as free:
        try:
            if not free:  # the poller checks first; a scheduled crawl may have started meanwhile
                raise CrawlUsageError(f"spider {spider!r} was already crawling")
            outcome = run_crawl(spider, arguments, timeout=timeout)
            run_id = outcome.run_id
            status = FAILED if outcome.failed else DONE
            error = outcome.error if outcome.failed else None
        except CrawlUsageError as exc:
            error = str(exc)
        except Exception as exc:
            logger.exception("crawl request %s crashed", request_id)
            error = f"{type(exc).__name__}: {exc}"
        finally:
            with sessions.begin() as session:
                request = session.get(CrawlRequest, request_id)
                if request is not None:
                    request.status = status
                    request.error = error
                    request.crawl_run_id = run_id
                    request.finished_at = datetime.now(UTC)
    logger.info("crawl request %s (%s): %s%s", request_id, spider, status, f" ({error})" if error else "")
    if run_id is not None:
        after_crawl(run_id)


def run_followup_job() -> int:
    """The daily follow-up of referred listings, then its digest (overdue referrals)."""
    from crawler.alerts import deliver_digest, followup_digest
    from crawler.followup import run_followup

    sessions = project_sessions()
    summary = run_followup(sessions)
    logger.info("follow-up run %s: %s", summary.run_id, summary.describe())
    try:
        with sessions() as session:
            digest = followup_digest(session, summary.run_id)
        deliver_digest(sessions, digest)
    except Exception:
        logger.exception("follow-up run %s: alert digest failed", summary.run_id)
    return summary.run_id
