"""The extension that records each crawl as a `CrawlRun`.

It opens the run when the spider opens (or adopts the one `thumbwatch crawl` created), writes
the stats and the time to it every few seconds as a heartbeat and progress report (a run whose
heartbeat stops is closed by `storage.repository.close_stale_runs`), and closes it with a
status: ``ok``, ``degraded`` (some pages failed, the rest stored), ``failed`` (nothing could
be fetched, or the crawl crashed) or ``interrupted`` (shut down before the end).
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.settings import SETTINGS_PRIORITIES
from sqlalchemy import select
from sqlalchemy.orm import Session
from twisted.internet import task

from crawler.failures import ERRORS_PREFIX, error_count
from crawler.health import PREFIX as HEALTH_PREFIX
from crawler.health import HealthThresholds, health_problems, run_metrics
from storage.db import session_factory, upgrade_database
from storage.models import CrawlRun, RunStatus
from storage.repository import finish_crawl_run, start_crawl_run

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

POLITENESS_SETTINGS = (
    "ROBOTSTXT_OBEY",
    "AUTOTHROTTLE_ENABLED",
    "DOWNLOAD_DELAY",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "USER_AGENT",
)


def jsonable_stats(stats: dict[str, Any]) -> dict[str, Any]:
    """Scrapy's stats with datetimes as ISO strings, ready for a JSON column."""
    return {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in sorted(stats.items())
    }


def judge_run(stats: dict[str, Any], reason: str) -> tuple[RunStatus, str | None]:
    """The run's status and error message from its final stats and close reason."""
    if reason == "shutdown":
        return RunStatus.INTERRUPTED, "crawl was shut down before it finished"
    if reason != "finished":
        return RunStatus.FAILED, f"crawl closed early: {reason}"
    pages = int(stats.get("response_received_count", 0)) - int(stats.get("robotstxt/response_count", 0))
    failed = stats.get("thumbwatch/failed_urls") or []
    if pages <= 0:
        if failed:
            first = failed[0]
            return (
                RunStatus.FAILED,
                f"could not reach {first['url']}: {first['kind']} {first['detail']}",
            )
        return RunStatus.FAILED, "no page was fetched"
    errors = error_count(stats)
    if errors:
        kinds = sorted(k.removeprefix(ERRORS_PREFIX) for k in stats if k.startswith(ERRORS_PREFIX))
        kinds = [k for k in kinds if k != "total"]
        return RunStatus.DEGRADED, f"{errors} error(s): " + ", ".join(
            f"{k}={stats[ERRORS_PREFIX + k]}" for k in kinds
        )
    return RunStatus.OK, None


class CrawlRunExtension:
    def __init__(self, crawler: Crawler, database_url: str, run_id: int | None, heartbeat: float):
        self.crawler = crawler
        self.database_url = database_url
        self.run_id = run_id
        self.heartbeat = heartbeat
        self.health = HealthThresholds(
            history=crawler.settings.getint("THUMBWATCH_HEALTH_HISTORY", 5),
            min_history=crawler.settings.getint("THUMBWATCH_HEALTH_MIN_HISTORY", 3),
        )
        self._loop: task.LoopingCall | None = None
        self._closed_warned = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        url = crawler.settings.get("THUMBWATCH_DATABASE_URL")
        if not url:
            raise NotConfigured("THUMBWATCH_DATABASE_URL is not set")
        run_id = crawler.settings.getint("THUMBWATCH_CRAWL_RUN_ID") or None
        ext = cls(crawler, url, run_id, crawler.settings.getfloat("THUMBWATCH_HEARTBEAT", 2.0))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self._sessions = session_factory(upgrade_database(self.database_url))
        with self._sessions.begin() as session:
            if self.run_id is None:
                validated = getattr(spider, "arguments", None)
                arguments = validated.model_dump(mode="json") if hasattr(validated, "model_dump") else {}
                self.run_id = start_crawl_run(session, spider.name, arguments, pid=os.getpid())
            else:
                run = session.get(CrawlRun, self.run_id)
                if run is None:
                    raise NotConfigured(f"crawl run {self.run_id} does not exist")
                run.pid = os.getpid()
                run.heartbeat_at = datetime.now(UTC)
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("thumbwatch/crawl_run_id", self.run_id)
        self._record_politeness(spider)
        logger.info("recording crawl run %s", self.run_id)
        self._loop = task.LoopingCall(self._beat)
        self._loop.start(self.heartbeat, now=False)

    def _record_politeness(self, spider: Spider) -> None:
        """Put the effective politeness settings in the run's stats, and log any override."""
        assert self.crawler.stats is not None
        from crawler import settings as project

        settings = self.crawler.settings
        overrides = []
        for name in POLITENESS_SETTINGS:
            self.crawler.stats.set_value(f"thumbwatch/politeness/{name}", settings.get(name))
            priority = settings.getpriority(name) or 0
            changed = str(settings.get(name)) != str(getattr(project, name))
            if priority > SETTINGS_PRIORITIES["project"] and changed:
                source = "spider" if priority == SETTINGS_PRIORITIES["spider"] else "command line"
                overrides.append(f"{name}={settings.get(name)} ({source})")
        if overrides:
            self.crawler.stats.set_value("thumbwatch/politeness/overrides", overrides)
            logger.warning("spider %s overrides politeness defaults: %s", spider.name, ", ".join(overrides))

    def _beat(self) -> None:
        assert self.crawler.stats is not None
        stats = jsonable_stats(self.crawler.stats.get_stats())
        try:
            with self._sessions.begin() as session:
                run = session.get(CrawlRun, self.run_id)
                if run is not None and run.status == RunStatus.RUNNING:
                    run.stats = stats
                    run.heartbeat_at = datetime.now(UTC)
                elif run is not None and not self._closed_warned:
                    # Closed by `close_stale_runs` while this process lived: its beats stopped
                    # for longer than the scheduler's stale_run_minutes (a blocked reactor?).
                    self._closed_warned = True
                    logger.error("crawl run %s was closed (%s) while still crawling", self.run_id, run.status)
        except Exception:  # a busy database must not kill the crawl; the next beat retries
            logger.warning("could not write crawl progress", exc_info=True)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self.run_id is None:
            return
        assert self.crawler.stats is not None
        stats = jsonable_stats(self.crawler.stats.get_stats())
        stats.setdefault("finish_reason", reason)
        status, error = judge_run(stats, reason)
        with self._sessions.begin() as session:
            if status in (RunStatus.OK, RunStatus.DEGRADED):
                problems = health_problems(
                    run_metrics(stats), self._recent_metrics(session, spider.name), self.health
                )
                if problems:
                    stats[f"{HEALTH_PREFIX}problems"] = problems
                    layout = "yield or fields dropped (site layout changed?): " + "; ".join(problems)
                    status, error = RunStatus.DEGRADED, f"{error}; {layout}" if error else layout
            finish_crawl_run(session, self.run_id, status, stats, error, now=datetime.now(UTC))
        log = logger.info if status in (RunStatus.OK, RunStatus.DEGRADED) else logger.error
        log("crawl run %s finished: %s%s", self.run_id, status.value, f" ({error})" if error else "")

    def _recent_metrics(self, session: Session, spider: str) -> list[dict[str, float]]:
        """Metrics of the spider's recent finished runs with the same arguments as this one."""
        current = session.get(CrawlRun, self.run_id)
        arguments = current.arguments if current is not None else {}
        runs = session.scalars(
            select(CrawlRun)
            .where(
                CrawlRun.spider == spider,
                CrawlRun.id != self.run_id,
                CrawlRun.status.in_([RunStatus.OK, RunStatus.DEGRADED]),
            )
            .order_by(CrawlRun.id.desc())
            .limit(20 * self.health.history)
        )
        same = [run for run in runs if run.arguments == arguments]
        return [run_metrics(run.stats) for run in same[: self.health.history]]
