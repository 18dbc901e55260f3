"""``thumbwatch schedule run | list | add | remove | pause | resume | run-now``.

Thin commands over `crawler.scheduling`. The jobs come from the schedule file (``--config``,
``THUMBWATCH_SCHEDULE_PATH`` or ``<home>/schedule.toml``) or the built-in defaults; ``add``
puts a job in the job store only (it survives restarts), ``remove`` only takes such jobs (a
configured job is disabled in its file). ``run-now`` queues a request for the scheduler process.
"""

from __future__ import annotations

import getpass
import logging
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import select

from crawler.cli import UsageProblem, err, fail, guarded
from crawler.config import get_settings
from crawler.output import OutputFormat, write_rows
from crawler.scheduling.config import (
    CRAWL_JOB_PREFIX,
    ScheduleConfig,
    ScheduleConfigError,
    configured_schedule_path,
    cron_trigger,
    load_schedule_config,
)
from crawler.scheduling.service import CLI_JOB, CONFIG_JOB, job_name, job_source, paused_scheduler, sync_jobs
from storage.db import session_factory, upgrade_database
from storage.models import CrawlRun

schedule_app = typer.Typer(
    no_args_is_help=True, help="The scheduler: daily crawls, follow-up, crawl-now requests."
)
_options: dict[str, Path | None] = {"config": None}

LIST_COLUMNS = ("job", "kind", "spider", "arguments", "schedule", "state", "next_run", "last_run", "source")


@schedule_app.callback()
def schedule_options(
    config: Annotated[
        Path | None, typer.Option("--config", help="Schedule file (TOML); default: see the README.")
    ] = None,
) -> None:
    """Scheduled crawls, the daily follow-up of referrals, and crawl-now requests."""
    _options["config"] = config


def _config(check_spiders: bool = True) -> ScheduleConfig:
    path = _options["config"] or configured_schedule_path()
    try:
        return load_schedule_config(path, check_spiders=check_spiders)
    except ScheduleConfigError as exc:
        raise UsageProblem(str(exc)) from None


def _engine() -> Any:
    return upgrade_database(get_settings().resolved_database_url)


@schedule_app.command("run")
def run_command() -> None:
    """Run the scheduler until stopped (SIGTERM or Ctrl-C); also `python scheduler.py`."""
    from crawler.scheduling.service import SchedulerBusyError, SchedulerService

    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # every job checks the schema version
    config = guarded(_config)
    service = guarded(lambda: SchedulerService(config, settings.resolved_database_url))
    try:
        service.start()
    except SchedulerBusyError as exc:
        raise fail(str(exc), 1) from None
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        service.serve(stop)
    finally:
        err.print("stopping: waiting for running crawls to finish…", highlight=False)
        service.stop(wait=True)


def _last_runs(spider_arguments: list[tuple[str, dict[str, str]]]) -> dict[tuple[str, str], CrawlRun]:
    spiders = {spider for spider, _ in spider_arguments}
    last: dict[tuple[str, str], CrawlRun] = {}
    with session_factory(_engine())() as session:
        runs = session.scalars(
            select(CrawlRun).where(CrawlRun.spider.in_(spiders)).order_by(CrawlRun.id.desc()).limit(500)
        )
        for run in runs:
            last.setdefault((run.spider, _arguments_text(run.arguments)), run)
    return last


def _arguments_text(arguments: dict[str, Any]) -> str:
    return " ".join(f"{key}={value}" for key, value in sorted(arguments.items()))


def _when(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def schedule_rows(config: ScheduleConfig) -> list[dict[str, Any]]:
    """One row per job, configured or added: its schedule, state, next run and last run."""
    with paused_scheduler(config, _engine()) as scheduler:
        stored = {job.id: job for job in scheduler.get_jobs(jobstore="default")}
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for spec in config.jobs:
        job = stored.pop(spec.job_id, None)
        if not spec.enabled:
            state, next_run = "disabled", None
        elif job is None:
            state, next_run = "not started", spec.trigger(config.timezone).get_next_fire_time(None, now)
        else:
            state, next_run = ("paused" if job.next_run_time is None else "scheduled"), job.next_run_time
        schedule = spec.cron + (f" ±{spec.jitter}s" if spec.jitter else "")
        rows.append(
            _row(spec.job_id, spec.kind, spec.spider, spec.arguments, schedule, state, next_run, CONFIG_JOB)
        )
    for job in stored.values():
        spider, arguments = (job.args[0], job.args[1]) if job.id.startswith(CRAWL_JOB_PREFIX) else (None, {})
        state = "paused" if job.next_run_time is None else "scheduled"
        source = job_source(job)
        rows.append(
            _row(job.id, "crawl", spider, arguments, str(job.trigger), state, job.next_run_time, source)
        )
    last = _last_runs([(row["spider"] or "followup", row["_arguments"]) for row in rows])
    for row in rows:
        run = last.get((row["spider"] or "followup", _arguments_text(row.pop("_arguments"))))
        row["last_run"] = f"{run.status.value} (run {run.id}, {_when(run.started_at)})" if run else None
        row["last_run_status"] = run.status.value if run else None
    return rows


def _row(
    job_id: str,
    kind: str,
    spider: str | None,
    arguments: dict[str, str],
    schedule: str,
    state: str,
    next_run: datetime | None,
    source: str,
) -> dict[str, Any]:
    return {
        "job": job_id,
        "kind": kind,
        "spider": spider,
        "arguments": _arguments_text(arguments),
        "_arguments": arguments,
        "schedule": schedule,
        "state": state,
        "next_run": _when(next_run),
        "source": source,
    }


@schedule_app.command("list")
def list_command(fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE) -> None:
    """Every job with its next run time (UTC) and its last run's status."""
    config = guarded(lambda: _config(check_spiders=False))
    rows = guarded(lambda: schedule_rows(config))
    write_rows(rows, fmt, LIST_COLUMNS, title=f"scheduled jobs ({config.source})")


def _change(action: str, job_id: str) -> None:
    config = guarded(_config)
    spec = config.job(job_id)

    def apply() -> None:
        with paused_scheduler(config, _engine()) as scheduler:
            sync_jobs(scheduler, config)
            job = scheduler.get_job(job_id, jobstore="default")
            if job is None:
                why = (
                    "disabled in " + config.source if spec is not None else "not a job (see `schedule list`)"
                )
                raise UsageProblem(f"job {job_id!r}: {why}")
            if action == "remove":
                if job_source(job) == CONFIG_JOB:
                    declared = f"job {job_id!r} is declared in {config.source}"
                    raise UsageProblem(f"{declared}: set enabled = false there, or pause it")
                scheduler.remove_job(job_id, jobstore="default")
            elif action == "pause":
                scheduler.pause_job(job_id, jobstore="default")
            else:
                scheduler.resume_job(job_id, jobstore="default")

    guarded(apply)
    err.print(f"job {job_id}: {action}d", highlight=False)


@schedule_app.command("pause")
def pause_command(job: Annotated[str, typer.Argument(help="Job id, e.g. crawl:ebay or followup.")]) -> None:
    """Stop a job from running until it is resumed (kept across restarts)."""
    _change("pause", job)


@schedule_app.command("resume")
def resume_command(job: Annotated[str, typer.Argument(help="Job id.")]) -> None:
    """Resume a paused job at its next regular time."""
    _change("resume", job)


@schedule_app.command("remove")
def remove_command(
    job: Annotated[str, typer.Argument(help="Job id of a job added with `schedule add`.")],
) -> None:
    """Remove a job added with `schedule add`."""
    _change("remove", job)


@schedule_app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="Job name; the job id is crawl:NAME.")],
    spider: Annotated[str, typer.Argument(help="Spider to crawl.")],
    cron: Annotated[
        str, typer.Option(help="Crontab expression (5 fields, or 6 with seconds), in the schedule's zone.")
    ],
    arg: Annotated[list[str] | None, typer.Option("-a", help="Spider argument NAME=VALUE.")] = None,
    jitter: Annotated[int, typer.Option(min=0, max=86400, help="Random delay up to this many seconds.")] = 0,
    timeout: Annotated[
        float | None, typer.Option(min=1, help="Kill the crawl after this many seconds.")
    ] = None,
) -> None:
    """Add a crawl job to the job store (it survives restarts; `remove` takes it away)."""
    from crawler.runner import parse_pairs, validate_crawl
    from crawler.scheduling.jobs import run_scheduled_crawl

    config = guarded(_config)
    job_id = CRAWL_JOB_PREFIX + name
    arguments = guarded(lambda: parse_pairs(arg or [], "-a"))
    guarded(lambda: validate_crawl(spider, arguments))

    def apply() -> None:
        try:
            trigger = cron_trigger(cron, config.timezone, jitter)
        except ValueError as exc:
            raise UsageProblem(f"--cron: {exc}") from None
        if config.job(job_id) is not None:
            raise UsageProblem(f"job {job_id!r} is already declared in {config.source}")
        with paused_scheduler(config, _engine()) as scheduler:
            if scheduler.get_job(job_id, jobstore="default") is not None:
                raise UsageProblem(f"job {job_id!r} already exists (see `schedule list`)")
            scheduler.add_job(
                run_scheduled_crawl,
                trigger,
                args=(spider, arguments, timeout or config.crawl_timeout),
                id=job_id,
                name=job_name(job_id, CLI_JOB),
                jobstore="default",
            )

    guarded(apply)
    err.print(f"job {job_id} added", highlight=False)


@schedule_app.command("run-now")
def run_now_command(
    spider: Annotated[str, typer.Argument(help="Spider to crawl.")],
    arg: Annotated[list[str] | None, typer.Option("-a", help="Spider argument NAME=VALUE.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who asks (default: the OS user).")] = None,
) -> None:
    """Queue a crawl for the scheduler process to run as soon as the spider is idle."""
    from crawler.runner import parse_pairs
    from crawler.scheduling.requests import queue_crawl_request

    arguments = guarded(lambda: parse_pairs(arg or [], "-a"))

    def queue() -> int:
        with session_factory(_engine()).begin() as session:
            return queue_crawl_request(session, spider, arguments, by or getpass.getuser()).id

    request_id = guarded(queue)
    sys.stdout.write(f"{request_id}\n")
    err.print(f"crawl request {request_id} queued: the scheduler process starts it", highlight=False)
