"""The scheduler process: jobs persisted across restarts and never run twice, one process per
database, missed runs coalesced and spread (injected clock), and the job commands."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from sqlalchemy import select

import crawler.alerts
import crawler.followup
from crawler.config import get_settings
from crawler.scheduling.catchup import MissedJob, apply_catch_up, plan_catch_up
from crawler.scheduling.config import JobSpec, ScheduleConfig, cron_trigger
from crawler.scheduling.jobs import run_scheduled_crawl
from crawler.scheduling.service import SchedulerBusyError, SchedulerService, paused_scheduler
from storage.db import session_factory, upgrade_database
from storage.models import CrawlRun, RunStatus
from tests.e2e_support import run_cli
from tests.sqlite_lock import while_write_locked

NOW = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def project_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The database under test is the project database (the jobs open it through the settings)."""
    monkeypatch.setenv("THUMBWATCH_DATABASE_URL", database_url)
    get_settings.cache_clear()
    return database_url


def every_second_followup(catch_up_window: int = 0) -> ScheduleConfig:
    job = JobSpec(job_id="followup", kind="followup", cron="* * * * * *")
    return ScheduleConfig(source="test", catch_up_window=catch_up_window, poll_interval=0.2, jobs=(job,))


def run_for(service: SchedulerService, seconds: float, log: list[tuple[str, datetime]], name: str) -> None:
    def record(event: JobExecutionEvent) -> None:
        log.append((name, event.scheduled_run_time))

    service.scheduler.add_listener(record, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    service.start()
    time.sleep(seconds)
    service.stop(wait=True)


def test_a_restart_neither_loses_nor_repeats_runs(project_db: str) -> None:
    executed: list[tuple[str, datetime]] = []
    assert crawler.followup and crawler.alerts  # imported up front: a job's first run must be quick
    run_for(SchedulerService(every_second_followup(), project_db), 3.2, executed, "first")
    time.sleep(2.2)  # the scheduler is down: two or three runs are missed
    second = SchedulerService(every_second_followup(), project_db)
    started = datetime.now(UTC)
    run_for(second, 2.2, executed, "second")

    times = [when for _, when in executed]
    assert len(times) == len(set(times)), f"a run happened twice: {executed}"
    first_runs = [when for name, when in executed if name == "first"]
    second_runs = sorted(when for name, when in executed if name == "second")
    assert len(first_runs) >= 2 and len(second_runs) >= 2
    # The second process found the job in the store with runs missed, and caught up once.
    assert list(second.catch_up_plan) == ["followup"]
    catch_up = second.catch_up_plan["followup"]
    assert catch_up is not None and abs((catch_up - started).total_seconds()) < 1.5
    # Its first run is that catch-up (or, coalesced, the cron's next second right after it).
    assert 0 <= (second_runs[0] - catch_up).total_seconds() < 1.5
    with session_factory(upgrade_database(project_db))() as session:
        runs = list(session.scalars(select(CrawlRun).where(CrawlRun.spider == "followup")))
    assert len(runs) == len(executed)
    assert {run.status for run in runs} == {RunStatus.OK}


def test_only_one_scheduler_runs_on_a_database(project_db: str) -> None:
    config = ScheduleConfig(source="test", jobs=())
    first = SchedulerService(config, project_db)
    first.start()
    try:
        second = SchedulerService(config, project_db)
        with pytest.raises(SchedulerBusyError, match="another scheduler is running on"):
            second.start()
    finally:
        first.stop()
    second.start()  # the lock went with the first process
    second.stop()


def test_missed_runs_are_coalesced_and_spread_over_the_window() -> None:
    missed = [
        MissedJob("a", NOW - timedelta(hours=3), 1),
        MissedJob("b", NOW - timedelta(hours=1), 2),
        MissedJob("c", NOW - timedelta(hours=2), 1),
        MissedJob("old", NOW - timedelta(hours=30), 1),
    ]
    plan = plan_catch_up(missed, NOW, window=900, grace=12 * 3600)
    assert plan == {
        "a": NOW,
        "c": NOW + timedelta(seconds=300),
        "b": NOW + timedelta(seconds=600),
        "old": None,
    }
    assert plan_catch_up([], NOW, window=900, grace=60) == {}


def test_catch_up_reschedules_the_stored_jobs(project_db: str) -> None:
    """Three days of a daily crawl missed become one run; a weekly job missed too long ago waits."""
    config = ScheduleConfig(source="test", jobs=())
    jobs = {
        "crawl:daily": ("0 3 * * *", datetime(2026, 5, 18, 3, 0, tzinfo=UTC)),  # missed 18th, 19th, 20th
        "crawl:morning": ("0 5 * * *", datetime(2026, 5, 20, 5, 0, tzinfo=UTC)),
        "crawl:weekly": ("0 3 * * mon", datetime(2026, 5, 18, 3, 0, tzinfo=UTC)),  # 54 h ago
        "crawl:later": ("0 12 * * *", datetime(2026, 5, 20, 12, 0, tzinfo=UTC)),  # not due yet
    }
    engine = upgrade_database(project_db)
    with paused_scheduler(config, engine) as scheduler:
        for job_id, (cron, next_run) in jobs.items():
            scheduler.add_job(
                run_scheduled_crawl,
                cron_trigger(cron, "UTC"),
                args=("sandbox_bazaar", {}, 60.0),
                id=job_id,
                next_run_time=next_run,
            )
        plan = apply_catch_up(scheduler, NOW, window=1200, grace=12 * 3600)
    assert plan == {"crawl:daily": NOW, "crawl:morning": NOW + timedelta(seconds=600), "crawl:weekly": None}
    with paused_scheduler(config, engine) as scheduler:
        stored = {job.id: job.next_run_time for job in scheduler.get_jobs()}
    assert stored == {
        "crawl:daily": NOW,
        "crawl:morning": NOW + timedelta(seconds=600),
        "crawl:weekly": datetime(2026, 5, 25, 3, 0, tzinfo=UTC),
        "crawl:later": datetime(2026, 5, 20, 12, 0, tzinfo=UTC),
    }


def test_job_commands_add_pause_resume_remove(tmp_path: Path) -> None:
    def rows() -> dict[str, dict[str, str]]:
        done = run_cli(tmp_path, "schedule", "list", "--format", "json")
        assert done.returncode == 0, done.stderr
        return {row["job"]: row for row in json.loads(done.stdout)}

    added = run_cli(
        tmp_path,
        "schedule",
        "add",
        "nightly",
        "sandbox_bazaar",
        "--cron",
        "0 2 * * *",
        "-a",
        "base_url=http://x.test",
    )
    assert added.returncode == 0, added.stderr
    assert run_cli(tmp_path, "schedule", "pause", "followup").returncode == 0
    listed = rows()
    assert (listed["crawl:nightly"]["source"], listed["crawl:nightly"]["state"]) == ("cli", "scheduled")
    assert listed["crawl:nightly"]["next_run"].endswith("T02:00:00+00:00")
    assert (listed["followup"]["state"], listed["followup"]["next_run"]) == ("paused", None)

    refused = run_cli(tmp_path, "schedule", "remove", "followup")
    assert refused.returncode == 2
    assert "job 'followup' is declared in built-in defaults: set enabled = false there" in refused.stderr
    assert run_cli(tmp_path, "schedule", "resume", "followup").returncode == 0
    assert run_cli(tmp_path, "schedule", "remove", "crawl:nightly").returncode == 0
    listed = rows()
    assert "crawl:nightly" not in listed and listed["followup"]["state"] == "scheduled"

    unknown = run_cli(tmp_path, "schedule", "run-now", "nosuch")
    assert unknown.returncode == 2 and "unknown spider 'nosuch'" in unknown.stderr


def test_a_poll_with_nothing_to_do_takes_no_write_lock(tmp_path: Path) -> None:
    """The scheduler polls every few seconds: while a crawl holds SQLite's write lock, a poll that
    finds no request and no stale run neither waits for it nor makes it wait."""
    url = f"sqlite:///{tmp_path / 'poll.db'}"
    service = SchedulerService(ScheduleConfig(source="test", jobs=()), url)
    def poll() -> tuple[list[int], list[int]]:
        return service.poll_requests(), service.close_stale_runs()

    assert while_write_locked(tmp_path / "poll.db", poll) == ([], [])
