"""The scheduler's job configuration: a TOML file, or the built-in defaults when there is none.

Every problem is reported as ``FILE:LINE: KEY: what is wrong`` (the line of the key, or of its
table when the key is written inline). See ``examples/schedule.toml`` for the format.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

FOLLOWUP_JOB_ID = "followup"
CRAWL_JOB_PREFIX = "crawl:"
BUILTIN_SOURCE = "built-in defaults"
# The real-marketplace spiders reach live sites: a unit switches each on deliberately (and sets
# THUMBWATCH_CONTACT first), so the defaults list them disabled. Sandbox and shop spiders need a
# base_url or start URLs, so they have no default job at all.
DEFAULT_CRAWL_SPIDERS = ("aliexpress", "amazon", "cdiscount", "dhgate", "ebay", "leboncoin")
DEFAULT_CRAWL_CRON = "0 3 * * *"
DEFAULT_CRAWL_JITTER = 1800
DEFAULT_FOLLOWUP_CRON = "0 7 * * *"
_CRON_FIELDS_5 = ("minute", "hour", "day", "month", "day_of_week")
_CRON_FIELDS_6 = ("second", *_CRON_FIELDS_5)
_JOB_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,80}$")


class ScheduleConfigError(ValueError):
    """The job configuration is unusable; the message names the file, line and key."""


def cron_trigger(expression: str, timezone: tzinfo | str, jitter: int = 0) -> CronTrigger:
    """A trigger from a crontab expression (5 fields, or 6 with seconds first)."""
    fields = expression.split()
    names = {5: _CRON_FIELDS_5, 6: _CRON_FIELDS_6}.get(len(fields))
    if names is None:
        raise ValueError(f"cron expression {expression!r} needs 5 fields (or 6 with seconds first)")
    return CronTrigger(**dict(zip(names, fields, strict=True)), timezone=timezone, jitter=jitter or None)


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: a crawl of one spider with its arguments, or the follow-up."""

    job_id: str
    kind: Literal["crawl", "followup"]
    cron: str
    jitter: int = 0
    spider: str | None = None
    arguments: dict[str, str] = field(default_factory=dict)
    timeout: float | None = None
    enabled: bool = True

    def trigger(self, timezone: tzinfo | str) -> CronTrigger:
        return cron_trigger(self.cron, timezone, self.jitter)


@dataclass(frozen=True)
class ScheduleConfig:
    source: str
    timezone: str = "UTC"
    misfire_grace_time: int = 12 * 3600
    catch_up_window: int = 3600
    poll_interval: float = 10.0
    stale_run_minutes: float = 30.0
    max_concurrent_crawls: int = 2
    crawl_timeout: float | None = 6 * 3600  # for "crawl now" requests; each job has its own
    jobs: tuple[JobSpec, ...] = ()

    def job(self, job_id: str) -> JobSpec | None:
        return next((job for job in self.jobs if job.job_id == job_id), None)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


def _check_cron(value: str) -> str:
    cron_trigger(value, "UTC")
    return value


class _SchedulerSection(_Strict):
    timezone: str = "UTC"
    misfire_grace_time: int = Field(default=12 * 3600, ge=1)
    catch_up_window: int = Field(default=3600, ge=0)
    poll_interval: float = Field(default=10.0, gt=0, le=3600)
    stale_run_minutes: float = Field(default=30.0, ge=1)
    max_concurrent_crawls: int = Field(default=2, ge=1, le=16)
    crawl_timeout: float | None = Field(default=6 * 3600, gt=0)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class _CrawlSection(_Strict):
    spider: str | None = None
    cron: str = DEFAULT_CRAWL_CRON
    jitter: int = Field(default=DEFAULT_CRAWL_JITTER, ge=0, le=86400)
    timeout: float | None = Field(default=None, gt=0)
    enabled: bool = True
    arguments: dict[str, str | int | float | bool | list[str]] = Field(default_factory=dict)

    _cron = field_validator("cron")(_check_cron)


class _FollowupSection(_Strict):
    cron: str = DEFAULT_FOLLOWUP_CRON
    jitter: int = Field(default=0, ge=0, le=86400)
    enabled: bool = True

    _cron = field_validator("cron")(_check_cron)


class _ScheduleFile(_Strict):
    scheduler: _SchedulerSection = Field(default_factory=_SchedulerSection)
    crawls: dict[str, _CrawlSection] = Field(default_factory=dict)
    followup: _FollowupSection = Field(default_factory=_FollowupSection)


def _argument_text(value: str | int | float | bool | list[str]) -> str:
    """Spider arguments are strings (``-a NAME=VALUE``); TOML lists become comma-separated."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


def default_config() -> ScheduleConfig:
    """The jobs of a fresh install: the marketplace crawls (disabled) and the daily follow-up."""
    crawls = tuple(
        JobSpec(
            job_id=CRAWL_JOB_PREFIX + spider,
            kind="crawl",
            cron=DEFAULT_CRAWL_CRON,
            jitter=DEFAULT_CRAWL_JITTER,
            spider=spider,
            timeout=_SchedulerSection().crawl_timeout,
            enabled=False,
        )
        for spider in DEFAULT_CRAWL_SPIDERS
    )
    followup = JobSpec(job_id=FOLLOWUP_JOB_ID, kind="followup", cron=DEFAULT_FOLLOWUP_CRON)
    return ScheduleConfig(source=BUILTIN_SOURCE, jobs=(*crawls, followup))


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Line number of every table header and ``key =`` line, by its full dotted path."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", line)
        if header:
            table = tuple(part.strip().strip("\"'") for part in header.group(1).split("."))
            lines.setdefault(table, number)
            continue
        key = re.match(r"^([A-Za-z0-9_.\"' -]+?)\s*=", line)
        if key:
            path = table + tuple(part.strip().strip("\"'") for part in key.group(1).split("."))
            lines.setdefault(path, number)
    return lines


def _where(path: Path, lines: dict[tuple[str, ...], int], location: tuple[str, ...]) -> str:
    for size in range(len(location), 0, -1):
        if location[:size] in lines:
            return f"{path}:{lines[location[:size]]}"
    return str(path)


def load_schedule_config(path: Path | None, check_spiders: bool = True) -> ScheduleConfig:
    """The jobs in `path`, or the built-in defaults when `path` is None.

    With `check_spiders`, each crawl's spider must exist and an enabled crawl's arguments must
    be accepted by its spider (the same check as ``thumbwatch crawl``).
    """
    if path is None:
        return default_config()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScheduleConfigError(f"{path}: cannot read the schedule: {exc.strerror or exc}") from None
    try:
        raw: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScheduleConfigError(f"{path}: not valid TOML: {exc}") from None
    lines = _key_lines(text)
    try:
        parsed = _ScheduleFile.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            location = tuple(str(part) for part in error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{_where(path, lines, location)}: {'.'.join(location)}: {message}")
        raise ScheduleConfigError("; ".join(problems)) from None
    section = parsed.scheduler
    jobs: list[JobSpec] = []
    for name, crawl in parsed.crawls.items():
        where = _where(path, lines, ("crawls", name))
        if not _JOB_NAME.match(name):
            raise ScheduleConfigError(
                f"{where}: crawls.{name}: a job name is lower-case letters, digits, '_', '.' or '-'"
            )
        job = JobSpec(
            job_id=CRAWL_JOB_PREFIX + name,
            kind="crawl",
            cron=crawl.cron,
            jitter=crawl.jitter,
            spider=crawl.spider or name,
            arguments={key: _argument_text(value) for key, value in crawl.arguments.items()},
            timeout=crawl.timeout or section.crawl_timeout,
            enabled=crawl.enabled,
        )
        if check_spiders:
            _check_spider(job, where, f"crawls.{name}")
        jobs.append(job)
    followup = parsed.followup
    jobs.append(
        JobSpec(
            job_id=FOLLOWUP_JOB_ID,
            kind="followup",
            cron=followup.cron,
            jitter=followup.jitter,
            enabled=followup.enabled,
        )
    )
    return ScheduleConfig(
        source=str(path),
        timezone=section.timezone,
        misfire_grace_time=section.misfire_grace_time,
        catch_up_window=section.catch_up_window,
        poll_interval=section.poll_interval,
        stale_run_minutes=section.stale_run_minutes,
        max_concurrent_crawls=section.max_concurrent_crawls,
        crawl_timeout=section.crawl_timeout,
        jobs=tuple(jobs),
    )


def _check_spider(job: JobSpec, where: str, key: str) -> None:
    from crawler.runner import CrawlUsageError, spider_names, validate_crawl

    assert job.spider is not None
    if job.spider not in spider_names():
        known = ", ".join(spider_names())
        raise ScheduleConfigError(f"{where}: {key}.spider: unknown spider {job.spider!r} (known: {known})")
    if job.enabled:
        try:
            validate_crawl(job.spider, job.arguments)
        except CrawlUsageError as exc:
            raise ScheduleConfigError(f"{where}: {key}.arguments: {exc}") from None


def configured_schedule_path() -> Path | None:
    """THUMBWATCH_SCHEDULE_PATH, else ``<home>/schedule.toml`` when it exists, else None."""
    from crawler.config import get_settings

    settings = get_settings()
    if settings.schedule_path is not None:
        return settings.schedule_path
    default = settings.resolved_home / "schedule.toml"
    return default if default.is_file() else None
