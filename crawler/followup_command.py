"""``thumbwatch followup [--report]``: check referred listings once, print overdue referrals.

Without ``--report`` it runs the follow-up (as the daily job does: removals recorded with
evidence, the run recorded as a ``followup`` crawl run) and then prints the report; with
``--report`` it only prints the report from the database, fetching nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from crawler.cli import err, fail, guarded
from crawler.config import get_settings
from crawler.output import OutputFormat, write_rows

REPORT_COLUMNS = ("marketplace", "referred", "overdue", "max_days", "oldest_referral", "overdue_listings")


def followup_command(
    report_only: Annotated[bool, typer.Option("--report", help="Only print the overdue report.")] = False,
    days: Annotated[
        int | None,
        typer.Option(min=1, help="Overdue after this many days (default THUMBWATCH_REFERRAL_OVERDUE_DAYS)."),
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """Re-fetch referred listings (removed ones get evidence), then report overdue referrals."""
    from crawler.followup import run_followup
    from crawler.overdue import overdue_report
    from storage.db import session_factory, upgrade_database

    sessions = guarded(lambda: session_factory(upgrade_database(get_settings().resolved_database_url)))
    summary = None
    if not report_only:
        summary = run_followup(sessions)
        err.print(f"follow-up run {summary.run_id}: {summary.describe()}", highlight=False)
    overdue_days = days or get_settings().referral_overdue_days

    def rows() -> list[dict[str, Any]]:
        with sessions() as session:
            report = overdue_report(session, datetime.now(UTC), overdue_days)
        for row in report:
            row["oldest_referral"] = row["oldest_referral"].isoformat() if row["oldest_referral"] else None
        return report

    report = guarded(rows)
    write_rows(
        report, fmt, REPORT_COLUMNS, title=f"referrals overdue after {overdue_days} days, per marketplace"
    )
    if (
        summary is not None
        and summary.counts["checked"]
        and summary.counts["fetch_failed"] == summary.counts["checked"]
    ):
        raise fail(f"follow-up run {summary.run_id}: no referred listing could be checked", 1)
