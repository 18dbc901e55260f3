"""Scheduled crawls: one APScheduler 3.x process that runs every sandbox/marketplace spider daily.

For now a thin launcher (``python scheduler.py``): each job runs the crawl in its own child
process through `crawler.runner.run_crawl`, the same path as ``thumbwatch crawl``. The
configurable job store, TOML jobs and follow-up jobs arrive with the scheduling issue.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from crawler.runner import run_crawl

logger = logging.getLogger(__name__)

DAILY_SPIDERS: dict[str, dict[str, str]] = {}
"""Spider name -> arguments for the daily crawls (empty until real marketplaces are configured)."""


def crawl_job(spider: str, arguments: dict[str, str]) -> None:
    outcome = run_crawl(spider, arguments)
    logger.info("scheduled crawl %s: run %s %s", spider, outcome.run_id, outcome.status.value)


def build_scheduler(spiders: dict[str, dict[str, str]]) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone="UTC")
    for spider, arguments in spiders.items():
        scheduler.add_job(
            crawl_job,
            CronTrigger(hour=3, jitter=600),
            args=(spider, arguments),
            id=f"crawl:{spider}",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=3600,
            replace_existing=True,
        )
    return scheduler


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    build_scheduler(DAILY_SPIDERS).start()
