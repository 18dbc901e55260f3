"""The scheduler process: APScheduler 3.x with its job store in the project database.

One process per database (a lock refuses a second one): APScheduler 3 cannot share a job
store between running schedulers without running jobs twice. Starting it syncs the configured
jobs into the store (an unchanged job keeps its stored next run time and paused state, so a
restart neither loses nor repeats runs), spreads missed runs over the catch-up window, marks
requests left ``running`` by a previous process as failed, then runs jobs and polls the
``crawl_requests`` queue. At start and at every poll it closes the crawl runs whose process
died without closing them (`close_stale_runs`) and sends their alert digests. Jobs added from
the command line (``schedule add``) live in the store only and survive restarts; jobs dropped
from the configuration file are removed.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import IO, Any, cast

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from sqlalchemy import Connection, CursorResult, Engine, Result, select, text, update

from crawler.scheduling.catchup import apply_catch_up
from crawler.scheduling.config import JobSpec, ScheduleConfig
from crawler.scheduling.jobs import (
    after_crawl,
    run_crawl_request,
    run_followup_job,
    run_scheduled_crawl,
    spider_busy,
)
from crawler.scheduling.requests import FAILED, QUEUED, RUNNING
from storage.db import read_session, session_factory, upgrade_database
from storage.models import CrawlRequest, utcnow
from storage.repository import close_stale_runs, stale_runs

logger = logging.getLogger(__name__)

CONFIG_JOB = "config"  # jobs that come from the configuration
CLI_JOB = "cli"  # jobs added with `thumbwatch schedule add`
REQUEST_STORE = "requests"  # in-memory: a request's durable record is its crawl_requests row

Clock = Callable[[], datetime]


def _rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE matched (ORM sessions type their results without `rowcount`)."""
    return cast(CursorResult[Any], result).rowcount


class SchedulerBusyError(RuntimeError):
    """Another scheduler process already runs on this database."""


def job_call(spec: JobSpec) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    if spec.kind == "followup":
        return run_followup_job, ()
    return run_scheduled_crawl, (spec.spider, dict(spec.arguments), spec.timeout)


class ThumbwatchScheduler(BackgroundScheduler):
    """APScheduler's background scheduler, except that a stopped scheduler processes no job.

    APScheduler 3 wakes its loop once more after `shutdown` and processes the due jobs then:
    their submission fails (the executors are down) but their next run time is advanced in the
    store all the same, so a run due at the moment of a stop would be lost.
    """

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        wait: float | None = super()._process_jobs()
        return wait


def build_scheduler(config: ScheduleConfig, engine: Engine) -> ThumbwatchScheduler:
    return ThumbwatchScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine), REQUEST_STORE: MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(config.max_concurrent_crawls)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": config.misfire_grace_time,
        },
        timezone=config.timezone,
    )


def job_name(job_id: str, source: str) -> str:
    """The job's display name in APScheduler's log lines, ending with where it came from."""
    return f"{job_id} ({source})"


def job_source(job: Job) -> str:
    """`CONFIG_JOB` or `CLI_JOB`: where a stored job came from (kept in its name)."""
    return str(job.name).rsplit("(", 1)[-1].rstrip(")")


def _same_definition(job: Job, func: Callable[..., Any], args: tuple[Any, ...], trigger: Any) -> bool:
    return (
        job_source(job) == CONFIG_JOB
        and job.func is func
        and tuple(job.args) == args
        and repr(job.trigger) == repr(trigger)
    )


def sync_jobs(scheduler: BackgroundScheduler, config: ScheduleConfig) -> None:
    """Make the store's configured jobs match `config`, keeping unchanged jobs' state."""
    for spec in config.jobs:
        existing = scheduler.get_job(spec.job_id, jobstore="default")
        if not spec.enabled:
            if existing is not None:
                scheduler.remove_job(spec.job_id, jobstore="default")
                logger.info("job %s is disabled in %s: removed", spec.job_id, config.source)
            continue
        func, args = job_call(spec)
        trigger = spec.trigger(config.timezone)
        if existing is not None and _same_definition(existing, func, args, trigger):
            continue
        scheduler.add_job(
            func,
            trigger,
            args=args,
            id=spec.job_id,
            name=job_name(spec.job_id, CONFIG_JOB),
            jobstore="default",
            replace_existing=True,
        )
        logger.info("job %s %s from %s", spec.job_id, "updated" if existing else "added", config.source)
    declared = {spec.job_id for spec in config.jobs}
    for job in scheduler.get_jobs(jobstore="default"):
        if job_source(job) == CONFIG_JOB and job.id not in declared:
            scheduler.remove_job(job.id, jobstore="default")
            logger.info("job %s is no longer in %s: removed", job.id, config.source)


@contextmanager
def paused_scheduler(config: ScheduleConfig, engine: Engine) -> Iterator[BackgroundScheduler]:
    """A scheduler that runs nothing, to read or change the stored jobs from another process."""
    scheduler = build_scheduler(config, engine)
    scheduler.start(paused=True)
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)


class _SchedulerLock:
    """Held for the scheduler's lifetime: a file lock (SQLite) or an advisory lock (PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._file: IO[str] | None = None
        self._connection: Connection | None = None

    def acquire(self) -> None:
        url = self.engine.url.render_as_string(hide_password=True)
        if self.engine.dialect.name == "sqlite":
            path = f"{self.engine.url.database}.scheduler-lock"
            handle = open(path, "w")  # noqa: SIM115 - held until release()
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                raise SchedulerBusyError(f"another scheduler is running on {url} (lock {path})") from None
            self._file = handle
            return
        key = zlib.crc32(self.engine.url.render_as_string(hide_password=False).encode()) & 0x7FFFFFFF
        connection = self.engine.connect()
        got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        connection.commit()
        if not got:
            connection.close()
            raise SchedulerBusyError(f"another scheduler is running on {url} (advisory lock {key})")
        self._connection = connection

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._connection is not None:
            self._connection.execute(text("SELECT pg_advisory_unlock_all()"))
            self._connection.commit()
            self._connection.close()
            self._connection = None


class SchedulerService:
    """The scheduler process: `start`, then `serve` until asked to stop, then `stop`."""

    def __init__(self, config: ScheduleConfig, database_url: str, clock: Clock = utcnow) -> None:
        self.config = config
        self.clock = clock
        self.engine = upgrade_database(database_url)
        self.sessions = session_factory(self.engine)
        self.scheduler = build_scheduler(config, self.engine)
        self._lock = _SchedulerLock(self.engine)
        self.catch_up_plan: dict[str, datetime | None] = {}

    def start(self) -> None:
        self._lock.acquire()
        try:
            self.scheduler.start(paused=True)
            sync_jobs(self.scheduler, self.config)
            self.catch_up_plan = apply_catch_up(
                self.scheduler, self.clock(), self.config.catch_up_window, self.config.misfire_grace_time
            )
            self._fail_orphaned_requests()
            self.close_stale_runs()
            self.scheduler.resume()
        except BaseException:
            if self.scheduler.running:
                self.scheduler.shutdown(wait=False)
            self._lock.release()
            raise
        logger.info(
            "scheduler started with %d job(s) from %s", len(self.scheduler.get_jobs()), self.config.source
        )

    def _fail_orphaned_requests(self) -> None:
        with self.sessions.begin() as session:
            orphaned = _rowcount(
                session.execute(
                    update(CrawlRequest)
                    .where(CrawlRequest.status == RUNNING)
                    .values(
                        status=FAILED,
                        finished_at=datetime.now(UTC),
                        error="the scheduler stopped while this request ran",
                    )
                )
            )
        if orphaned:
            logger.warning("%d crawl request(s) left running by a previous scheduler marked failed", orphaned)

    def close_stale_runs(self) -> list[int]:
        """Close the crawl runs whose process died without closing them (no heartbeat for the
        configuration's `stale_run_minutes`) as interrupted, and send each one's alert digest, as
        after any crawl; their ids."""
        stale_after = timedelta(minutes=self.config.stale_run_minutes)
        now = self.clock()
        with read_session(self.sessions) as session:  # most polls find none: no write lock then
            if not stale_runs(session, stale_after, now):
                return []
        with self.sessions.begin() as session:
            closed = close_stale_runs(session, stale_after, now)
        for run_id in closed:
            logger.warning("crawl run %s had no heartbeat for %s: closed as interrupted", run_id, stale_after)
            self.scheduler.add_job(
                after_crawl, args=(run_id,), id=f"stale-run:{run_id}", jobstore=REQUEST_STORE
            )
        return closed

    def poll_requests(self) -> list[int]:
        """Claim the queued crawl requests whose spider is idle and start them; their ids."""
        claimed: list[int] = []
        claimed_spiders: set[str] = set()
        with read_session(self.sessions) as session:  # most polls find none: no write lock then
            queued = session.execute(
                select(CrawlRequest.id, CrawlRequest.spider)
                .where(CrawlRequest.status == QUEUED)
                .order_by(CrawlRequest.requested_at, CrawlRequest.id)
            ).all()
        if all(spider_busy(spider) for _, spider in queued):
            return claimed
        with self.sessions.begin() as session:
            for request_id, spider in queued:
                if spider in claimed_spiders or spider_busy(spider):
                    continue
                # The status check makes the claim atomic even if two processes polled.
                taken = _rowcount(
                    session.execute(
                        update(CrawlRequest)
                        .where(CrawlRequest.id == request_id, CrawlRequest.status == QUEUED)
                        .values(status=RUNNING, started_at=datetime.now(UTC))
                    )
                )
                if taken:
                    claimed.append(request_id)
                    claimed_spiders.add(spider)
        for request_id in claimed:
            self.scheduler.add_job(
                run_crawl_request,
                args=(request_id, self.config.crawl_timeout),
                id=f"request:{request_id}",
                jobstore=REQUEST_STORE,
                max_instances=1,
            )
        return claimed

    def serve(self, stop: threading.Event) -> None:
        """Poll the request queue until `stop` is set; also lets other processes' job changes in."""
        while not stop.is_set():
            try:
                self.poll_requests()
                self.close_stale_runs()
            except Exception:  # a busy or unreachable database: try again at the next poll
                logger.exception("polling crawl requests failed")
            self.scheduler.wakeup()
            stop.wait(self.config.poll_interval)

    def stop(self, wait: bool = True) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
        self._lock.release()
        logger.info("scheduler stopped")
