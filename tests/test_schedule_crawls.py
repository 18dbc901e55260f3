"""Scheduled crawls for real, in child processes against the sandbox: a crawl-now request run by
the scheduler, a crawl killed at its timeout, a crawl child SIGKILLed mid-run (run marked
interrupted, no half-written rows, the next run complete), and a crawl killed with nothing
watching it (closed by the scheduler once its heartbeat stopped)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from threading import Thread
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from crawler.config import get_settings
from crawler.runner import run_crawl
from crawler.scheduling.config import ScheduleConfig
from crawler.scheduling.jobs import run_scheduled_crawl
from crawler.scheduling.requests import queue_crawl_request
from crawler.scheduling.service import SchedulerService
from sandbox import SandboxServer, generate_catalogue, site_truth
from storage.db import session_factory, upgrade_database
from storage.models import CrawlRequest, CrawlRun, Hit, Listing, ListingSnapshot, RunStatus

pytestmark = pytest.mark.e2e

SEED = 2025
QUERIES = ("mini phone", "bm10")  # 30 listings: enough to kill a crawl midway, quick to complete


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[str, set[str]]]:
    catalogue = generate_catalogue(SEED)
    truth = site_truth(catalogue, "bazaar", QUERIES)
    with SandboxServer(listings=catalogue, seed=SEED) as server:
        yield server.url, set(truth.listed_ids)


def bazaar(url: str) -> dict[str, str]:
    return {"base_url": url, "queries": ",".join(QUERIES)}


@pytest.fixture
def sessions() -> sessionmaker[Session]:
    return session_factory(upgrade_database(get_settings().resolved_database_url))


def wait_for(condition: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {
            "listings": session.scalar(select(func.count()).select_from(Listing)) or 0,
            "snapshots": session.scalar(select(func.count()).select_from(ListingSnapshot)) or 0,
            "listings_without_snapshot": session.scalar(
                select(func.count())
                .select_from(Listing)
                .where(~select(ListingSnapshot.id).where(ListingSnapshot.listing_id == Listing.id).exists())
            )
            or 0,
            "hits_without_snapshot": session.scalar(
                select(func.count()).select_from(Hit).where(Hit.snapshot_id.is_(None))
            )
            or 0,
        }


def test_a_crawl_now_request_is_run_by_the_scheduler(
    sandbox: tuple[str, set[str]], sessions: sessionmaker[Session]
) -> None:
    url, listed = sandbox
    with sessions.begin() as session:
        request_id = queue_crawl_request(session, "sandbox_bazaar", bazaar(url), "ana").id
    service = SchedulerService(
        ScheduleConfig(source="test", poll_interval=0.3), get_settings().resolved_database_url
    )
    service.start()
    try:
        assert service.poll_requests() == [request_id]
        assert service.poll_requests() == []  # claimed once

        def finished() -> CrawlRequest | None:
            with sessions() as session:
                request = session.get(CrawlRequest, request_id)
                return (
                    request if request is not None and request.status not in ("queued", "running") else None
                )

        request = wait_for(finished, 240, "the crawl request to finish")
    finally:
        service.stop()
    assert (request.status, request.error, request.requested_by) == ("done", None, "ana")
    assert request.started_at is not None and request.finished_at is not None
    with sessions() as session:
        run = session.get(CrawlRun, request.crawl_run_id)
        assert run is not None and (run.spider, run.status) == ("sandbox_bazaar", RunStatus.OK)
    assert counts(sessions)["listings"] == len(listed)


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers: a crawl against it hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()
    for connection in accepted:
        connection.close()


def test_a_crawl_that_outlives_its_timeout_is_killed_and_marked_failed(
    silent_server: str, sessions: sessionmaker[Session]
) -> None:
    run_id = run_scheduled_crawl("sandbox_bazaar", {"base_url": silent_server, "queries": "bm10"}, timeout=8)
    assert run_id is not None
    with sessions() as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        assert (run.status, run.error) == (RunStatus.FAILED, "crawl exceeded its timeout of 8s")
        assert run.finished_at is not None
        pid = run.pid
    if pid is not None:  # the child got as far as recording its pid: it must be gone now
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_sigkill_mid_run_leaves_an_interrupted_run_and_whole_rows(
    sandbox: tuple[str, set[str]], sessions: sessionmaker[Session]
) -> None:
    url, listed = sandbox
    slow = {"DOWNLOAD_DELAY": "0.3", "CONCURRENT_REQUESTS": "1", "THUMBWATCH_HEARTBEAT": "0.5"}
    outcome: list[Any] = []
    crawl = Thread(target=lambda: outcome.append(run_crawl("sandbox_bazaar", bazaar(url), slow)))
    crawl.start()

    def storing() -> CrawlRun | None:
        with sessions() as session:
            run = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
            stored = run.stats.get("thumbwatch/items_stored", 0) if run is not None else 0
            return run if run is not None and run.pid and stored >= 5 else None

    running = wait_for(storing, 180, "the crawl to store some listings")
    os.kill(running.pid, signal.SIGKILL)
    crawl.join(60)
    (killed,) = outcome
    assert (killed.status, killed.error) == (RunStatus.INTERRUPTED, "crawl killed by signal 9")
    partial = counts(sessions)
    assert 5 <= partial["listings"] < len(listed)
    assert partial["listings"] == partial["snapshots"]
    assert (partial["listings_without_snapshot"], partial["hits_without_snapshot"]) == (0, 0)

    next_run = run_scheduled_crawl("sandbox_bazaar", bazaar(url), timeout=300)
    with sessions() as session:
        run = session.get(CrawlRun, next_run)
        assert run is not None and run.status is RunStatus.OK
    complete = counts(sessions)
    assert complete == {
        "listings": len(listed),
        "snapshots": len(listed),
        "listings_without_snapshot": 0,
        "hits_without_snapshot": 0,
    }


def test_a_crawl_killed_with_nothing_watching_it_is_closed_by_the_scheduler(
    sandbox: tuple[str, set[str]], sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`scrapy crawl` run by hand (no `thumbwatch crawl` around it to record how it ended), then
    SIGKILLed: its run stays `running` until the scheduler finds its heartbeat stopped."""
    url, _ = sandbox
    database_url = get_settings().resolved_database_url
    command = [sys.executable, "-m", "scrapy", "crawl", "sandbox_bazaar"]
    for name, value in bazaar(url).items():
        command += ["-a", f"{name}={value}"]
    settings = {
        "THUMBWATCH_DATABASE_URL": database_url,
        "THUMBWATCH_HEARTBEAT": "0.3",
        "DOWNLOAD_DELAY": "0.3",
        "CONCURRENT_REQUESTS": "1",
        "LOG_LEVEL": "WARNING",
    }
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:

        def beating() -> CrawlRun | None:
            with sessions() as session:
                run = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
            beat = run is not None and run.heartbeat_at is not None and run.heartbeat_at > run.started_at
            return run if beat else None

        first = wait_for(beating, 120, "the crawl's heartbeat")
        later = wait_for(
            lambda: (run := beating()) is not None and run.heartbeat_at > first.heartbeat_at and run,
            30,
            "a second heartbeat",
        )
    finally:
        child.kill()
        child.wait()
    assert later.status is RunStatus.RUNNING and later.pid == child.pid

    digests: list[int] = []
    monkeypatch.setattr("crawler.scheduling.service.after_crawl", digests.append)
    config = ScheduleConfig(source="test", poll_interval=0.2, stale_run_minutes=1)
    # Two minutes on: the scheduler's clock, not a wait.
    service = SchedulerService(config, database_url, clock=lambda: datetime.now(UTC) + timedelta(minutes=2))
    service.start()
    try:
        wait_for(lambda: digests, 30, "the stale run's alert digest")
    finally:
        service.stop()
    assert digests == [later.id]
    with sessions() as session:
        run = session.get(CrawlRun, later.id)
        assert run is not None and run.status is RunStatus.INTERRUPTED and run.finished_at is not None
        assert run.error is not None and run.error.startswith(
            f"no heartbeat since {later.heartbeat_at.isoformat(timespec='seconds')}: the crawl process ended"
        )
