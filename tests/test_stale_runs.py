"""`close_stale_runs`: crawl runs whose process died without closing them are closed as
interrupted, once, by whoever finds them; live and finished runs are left alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from storage.db import session_factory, upgrade_database
from storage.models import CrawlRun, RunStatus
from storage.repository import close_stale_runs, finish_crawl_run, start_crawl_run

T0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
STALE = timedelta(minutes=30)


def test_only_running_runs_without_a_recent_heartbeat_are_closed(database_url: str) -> None:
    sessions = session_factory(upgrade_database(database_url))
    with sessions.begin() as session:
        beating = start_crawl_run(session, "a", {}, now=T0)
        silent = start_crawl_run(session, "b", {}, now=T0)
        never_beat = start_crawl_run(session, "c", {}, now=T0)  # recorded before heartbeats existed
        finished = start_crawl_run(session, "d", {}, now=T0)
        finish_crawl_run(session, finished, RunStatus.OK, {}, None, T0 + timedelta(minutes=5))
        session.execute(update(CrawlRun).where(CrawlRun.id == never_beat).values(heartbeat_at=None))
        session.execute(
            update(CrawlRun).where(CrawlRun.id == beating).values(heartbeat_at=T0 + timedelta(minutes=50))
        )
        session.execute(
            update(CrawlRun).where(CrawlRun.id == silent).values(heartbeat_at=T0 + timedelta(minutes=10))
        )

    now = T0 + timedelta(minutes=60)
    with sessions.begin() as session:
        closed = close_stale_runs(session, STALE, now=now)
    assert closed == [silent, never_beat]
    with sessions() as session:
        runs = {run.id: run for run in session.query(CrawlRun)}
    assert runs[beating].status is RunStatus.RUNNING and runs[beating].finished_at is None
    assert runs[finished].status is RunStatus.OK and runs[finished].error is None
    for run_id, since in ((silent, "2026-12-01T03:10:00+00:00"), (never_beat, "2026-12-01T03:00:00+00:00")):
        run = runs[run_id]
        assert run.status is RunStatus.INTERRUPTED and run.finished_at == now
        assert run.error == (
            f"no heartbeat since {since}: the crawl process ended without closing its run "
            "(killed together with its parent, or its host stopped)"
        )

    with sessions.begin() as session:  # found once: a second look (or another process) closes nothing
        assert close_stale_runs(session, STALE, now=now + timedelta(hours=1)) == [beating]


def test_a_run_closed_by_its_own_process_meanwhile_keeps_its_record(database_url: str) -> None:
    sessions = session_factory(upgrade_database(database_url))
    with sessions.begin() as session:
        run_id = start_crawl_run(session, "a", {}, now=T0)
        finish_crawl_run(session, run_id, RunStatus.DEGRADED, {"x": 1}, "1 error(s): http_500=1", T0)
    with sessions.begin() as session:
        assert close_stale_runs(session, STALE, now=T0 + timedelta(days=1)) == []
    with sessions() as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None and (run.status, run.error) == (RunStatus.DEGRADED, "1 error(s): http_500=1")
