"""The scheduler's job configuration: TOML parsing, errors naming file/line/key, the defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.scheduling.config import (
    DEFAULT_CRAWL_SPIDERS,
    FOLLOWUP_JOB_ID,
    ScheduleConfigError,
    cron_trigger,
    load_schedule_config,
)
from tests.e2e_support import run_cli

REPO_ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "schedule.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_gives_its_jobs_with_defaults_filled_in(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[scheduler]
timezone = "Europe/Paris"
catch_up_window = 600

[crawls.bazaar]
spider = "sandbox_bazaar"
cron = "15 2 * * *"
jitter = 60
[crawls.bazaar.arguments]
base_url = "http://127.0.0.1:8080"
queries = ["BM10", "mini phone"]
max_pages = 2

[followup]
cron = "0 6 * * mon-fri"
""",
    )
    config = load_schedule_config(path)
    assert config.source == str(path)
    assert (config.timezone, config.catch_up_window, config.misfire_grace_time) == (
        "Europe/Paris",
        600,
        43200,
    )
    crawl, followup = config.jobs
    assert crawl.job_id == "crawl:bazaar" and crawl.spider == "sandbox_bazaar"
    assert crawl.arguments == {
        "base_url": "http://127.0.0.1:8080",
        "queries": "BM10,mini phone",
        "max_pages": "2",
    }
    assert (crawl.cron, crawl.jitter, crawl.timeout, crawl.enabled) == ("15 2 * * *", 60, 21600, True)
    assert (followup.job_id, followup.kind, followup.cron) == (FOLLOWUP_JOB_ID, "followup", "0 6 * * mon-fri")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[crawls.ebay]\ncron = "0 3 * *"\n',
            ":2: crawls.ebay.cron: cron expression '0 3 * *' needs 5 fields",
        ),
        ('[crawls.ebay]\n\ncron = "0 25 * * *"\n', ":3: crawls.ebay.cron:"),
        (
            '[scheduler]\ntimezone = "Mars/Olympus"\n',
            ":2: scheduler.timezone: unknown time zone 'Mars/Olympus'",
        ),
        ('[crawls.ebay]\ncorn = "0 3 * * *"\n', ":2: crawls.ebay.corn: Extra inputs are not permitted"),
        ('[followup]\nenabled = "perhaps"\n', ":2: followup.enabled: Input should be a valid boolean"),
        (
            '[crawls.x]\nspider = "nosuch"\n',
            ":1: crawls.x.spider: unknown spider 'nosuch' (known: aliexpress,",
        ),
        (
            '[crawls.bazaar]\nspider = "sandbox_bazaar"\n',
            ":1: crawls.bazaar.arguments: bad arguments for spider 'sandbox_bazaar'",
        ),
        ("[crawls.ebay\ncron = 1\n", ": not valid TOML: "),
    ],
)
def test_problems_name_the_file_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ScheduleConfigError) as raised:
        load_schedule_config(path)
    assert str(raised.value).startswith(str(path))
    assert message in str(raised.value)


def test_a_disabled_crawl_is_not_checked_against_its_spider_arguments(tmp_path: Path) -> None:
    path = write(tmp_path, '[crawls.bazaar]\nspider = "sandbox_bazaar"\nenabled = false\n')
    (job, _followup) = load_schedule_config(path).jobs
    assert job.enabled is False


def test_no_file_gives_the_built_in_defaults() -> None:
    config = load_schedule_config(None)
    assert config.source == "built-in defaults"
    crawls = [job for job in config.jobs if job.kind == "crawl"]
    assert [job.spider for job in crawls] == list(DEFAULT_CRAWL_SPIDERS)
    assert not any(job.enabled for job in crawls)
    assert config.job(FOLLOWUP_JOB_ID) is not None and config.job(FOLLOWUP_JOB_ID).enabled  # type: ignore[union-attr]


def test_the_example_file_is_valid() -> None:
    config = load_schedule_config(REPO_ROOT / "examples" / "schedule.toml")
    assert [job.job_id for job in config.jobs if job.enabled] == ["crawl:ebay", "crawl:leboncoin", "followup"]


def test_cron_with_seconds_and_jitter() -> None:
    trigger = cron_trigger("*/5 * * * * *", "UTC", 2)
    assert trigger.jitter == 2
    assert [str(field) for field in trigger.fields][-1] == "*/5"  # seconds come last in APScheduler
    with pytest.raises(ValueError, match="needs 5 fields"):
        cron_trigger("* * *", "UTC")


def test_schedule_list_on_a_fresh_install(tmp_path: Path) -> None:
    done = run_cli(tmp_path, "schedule", "list", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = {row["job"]: row for row in json.loads(done.stdout)}
    assert set(rows) == {f"crawl:{spider}" for spider in DEFAULT_CRAWL_SPIDERS} | {"followup"}
    assert {rows[f"crawl:{s}"]["state"] for s in DEFAULT_CRAWL_SPIDERS} == {"disabled"}
    followup = rows["followup"]
    assert (followup["state"], followup["schedule"], followup["last_run"]) == (
        "not started",
        "0 7 * * *",
        None,
    )
    assert followup["next_run"].endswith("T07:00:00+00:00")


def test_a_bad_schedule_file_is_a_usage_error(tmp_path: Path) -> None:
    path = write(tmp_path, '[crawls.ebay]\ncron = "soon"\n')
    done = run_cli(tmp_path, "schedule", "--config", str(path), "list")
    assert done.returncode == 2
    assert f"{path}:2: crawls.ebay.cron: cron expression 'soon' needs 5 fields" in done.stderr
