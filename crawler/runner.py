"""Running one crawl in a child process and recording it.

The Twisted reactor cannot be restarted and a hung browser must die with its process, so each
crawl runs as ``python -m scrapy crawl`` in its own process. The parent validates the spider
and its arguments first, records the `CrawlRun`, follows the child's progress through the
run's heartbeat, and closes the run itself if the child dies without doing so.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from crawler.config import get_settings
from storage.db import session_factory, upgrade_database
from storage.models import CrawlRun, RunStatus
from storage.repository import finish_crawl_run, start_crawl_run

POLL_SECONDS = 0.5


class CrawlUsageError(ValueError):
    """An unknown spider, a malformed or invalid ``-a`` argument or ``-s`` setting."""


@dataclass
class CrawlOutcome:
    run_id: int
    status: RunStatus
    error: str | None
    stats: dict[str, Any]
    returncode: int
    log_path: Path
    duration: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status in (RunStatus.FAILED, RunStatus.INTERRUPTED)


def scrapy_settings() -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    return settings


def spider_names() -> list[str]:
    return sorted(SpiderLoader.from_settings(scrapy_settings()).list())


def parse_pairs(pairs: list[str], option: str) -> dict[str, str]:
    """``["name=value", ...]`` from repeated ``-a``/``-s`` options."""
    parsed: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CrawlUsageError(f"bad {option} {pair!r}: expected NAME=VALUE")
        parsed[name.strip()] = value
    return parsed


def validate_crawl(spider: str, arguments: Mapping[str, str]) -> None:
    """Raise `CrawlUsageError` for an unknown spider or arguments it rejects."""
    loader = SpiderLoader.from_settings(scrapy_settings())
    try:
        spider_cls = loader.load(spider)
    except KeyError:
        known = ", ".join(sorted(loader.list()))
        raise CrawlUsageError(f"unknown spider {spider!r} (known: {known})") from None
    handlers = (getattr(spider_cls, "custom_settings", None) or {}).get("DOWNLOAD_HANDLERS", {})
    chromium = get_settings().chromium_path
    if "scrapy_playwright" in str(handlers) and not chromium.is_file():
        raise CrawlUsageError(
            f"spider {spider!r} needs Chromium, not found at {chromium}: install Debian's chromium "
            "package or set THUMBWATCH_CHROMIUM_PATH"
        )
    validate = getattr(spider_cls, "validate_arguments", None)
    if validate is not None:
        try:
            validate(dict(arguments))
        except ValueError as exc:
            raise CrawlUsageError(f"bad arguments for spider {spider!r}: {exc}") from None


def run_crawl(
    spider: str,
    arguments: Mapping[str, str] | None = None,
    settings: Mapping[str, str] | None = None,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
    timeout: float | None = None,
) -> CrawlOutcome:
    """Run `spider` in a child process, wait for it and return what its run recorded."""
    arguments = dict(arguments or {})
    settings = dict(settings or {})
    validate_crawl(spider, arguments)
    config = get_settings()
    database_url = config.resolved_database_url
    sessions = session_factory(upgrade_database(database_url))
    with sessions.begin() as session:
        run_id = start_crawl_run(session, spider, arguments)
    log_dir = config.ensure_home() / "logs"
    log_dir.mkdir(exist_ok=True)
    log_path = log_dir / f"crawl-{run_id}-{spider}.log"

    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    for name, value in arguments.items():
        command += ["-a", f"{name}={value}"]
    overrides = {
        "THUMBWATCH_DATABASE_URL": database_url,
        "THUMBWATCH_CRAWL_RUN_ID": str(run_id),
        "LOG_FILE": str(log_path),
        "LOG_FILE_APPEND": "False",
        **settings,
    }
    for name, value in overrides.items():
        command += ["-s", f"{name}={value}"]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}

    started = time.monotonic()
    timed_out = False
    with open(log_path.with_suffix(".stderr"), "wb") as stderr:
        child = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr
        )
        while child.poll() is None:
            if timeout is not None and time.monotonic() - started > timeout:
                child.kill()
                timed_out = True
                break
            time.sleep(POLL_SECONDS)
            if on_progress is not None:
                with sessions() as session:
                    run = session.get(CrawlRun, run_id)
                    if run is not None:
                        on_progress(dict(run.stats))
        returncode = child.wait()

    with sessions.begin() as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        if run.status == RunStatus.RUNNING:
            # The child died before closing its run: killed, crashed or timed out.
            if timed_out:
                status, error = RunStatus.FAILED, f"crawl exceeded its timeout of {timeout:.0f}s"
            elif returncode < 0:
                status, error = RunStatus.INTERRUPTED, f"crawl killed by signal {-returncode}"
            else:
                status, error = (
                    RunStatus.FAILED,
                    (f"crawl process exited with code {returncode}; see {log_path}"),
                )
            finish_crawl_run(session, run_id, status, dict(run.stats), error, datetime.now(UTC))
            session.flush()
            session.refresh(run)
        outcome = CrawlOutcome(
            run_id=run_id,
            status=run.status,
            error=run.error,
            stats=dict(run.stats),
            returncode=returncode,
            log_path=log_path,
            duration=time.monotonic() - started,
        )
    return outcome
