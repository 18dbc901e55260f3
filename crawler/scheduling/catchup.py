"""Missed runs after a restart: each job runs once (coalesced), the jobs spread over a window.

When the scheduler was down at 03:00, every crawl due then is late at once. Firing them all on
restart would hit every marketplace together and fill both cores, so each late job gets one
catch-up run at its own slot within ``catch_up_window`` seconds, in the order they were due.
A job whose latest missed run is older than the misfire grace time is not caught up: it simply
waits for its next regular time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

logger = logging.getLogger(__name__)

# Enough for a per-second test job down for a day; a daily job never gets near it.
MAX_COUNTED_RUNS = 100_000


@dataclass(frozen=True)
class MissedJob:
    job_id: str
    latest_missed: datetime  # the fire time the coalesced catch-up run stands for
    missed_runs: int


def missed_runs(job: Any, now: datetime) -> MissedJob | None:
    """How many fire times of an APScheduler `job` passed while nobody ran them, or None."""
    next_run: datetime | None = job.next_run_time
    if next_run is None or next_run > now:
        return None
    latest, count = next_run, 0
    while next_run is not None and next_run <= now and count < MAX_COUNTED_RUNS:
        latest, count = next_run, count + 1
        next_run = job.trigger.get_next_fire_time(next_run, now)
    return MissedJob(job.id, latest, count)


def plan_catch_up(
    missed: Sequence[MissedJob], now: datetime, window: float, grace: float
) -> dict[str, datetime | None]:
    """Job id -> when its one catch-up run happens, or None when it is skipped (too old)."""
    late = sorted(
        (job for job in missed if (now - job.latest_missed).total_seconds() <= grace),
        key=lambda job: (job.latest_missed, job.job_id),
    )
    step = window / len(late) if late else 0.0
    plan: dict[str, datetime | None] = {
        job.job_id: now + timedelta(seconds=index * step) for index, job in enumerate(late)
    }
    for job in missed:
        plan.setdefault(job.job_id, None)
    return plan


def apply_catch_up(scheduler: Any, now: datetime, window: float, grace: float) -> dict[str, datetime | None]:
    """Reschedule the late jobs of a (paused) APScheduler scheduler; returns the plan applied."""
    jobs = {job.id: job for job in scheduler.get_jobs(jobstore="default")}
    missed = [found for job in jobs.values() if (found := missed_runs(job, now)) is not None]
    plan = plan_catch_up(missed, now, window, grace)
    for entry in missed:
        slot = plan[entry.job_id]
        if slot is None:
            slot = jobs[entry.job_id].trigger.get_next_fire_time(None, now)
            logger.warning(
                "job %s missed %d run(s), the latest at %s, older than the grace time: next run %s",
                entry.job_id,
                entry.missed_runs,
                entry.latest_missed.isoformat(),
                slot.isoformat() if slot else "never",
            )
        else:
            logger.info(
                "job %s missed %d run(s) (latest %s): one catch-up run at %s",
                entry.job_id,
                entry.missed_runs,
                entry.latest_missed.isoformat(),
                slot.isoformat(),
            )
        if slot is None:
            scheduler.remove_job(entry.job_id)
        else:
            scheduler.modify_job(entry.job_id, next_run_time=slot)
    return plan
