"""``thumbwatch rescore``: the command over `crawler.rescore`.

Loaded by `crawler.cli` when the command is run; `crawler.rescore` itself imports no CLI code, so
the helper processes that re-score ranges of listings start without it.
"""

from __future__ import annotations

from typing import Annotated

import typer

from crawler.cli import _sessions, err, guarded
from crawler.output import OutputFormat, write_rows
from crawler.rescore import MOVED_COLUMNS, RescoreReport, rescore
from matching.speedups import settle_heap

__all__ = ["rescore_command"]


def rescore_command(
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output of the moved listings.")] = (
        OutputFormat.TABLE
    ),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would move; write nothing.")] = False,
) -> None:
    """Re-score stored listings with the current matcher and catalog; show what moved."""
    from crawler.catalog_store import active_matcher

    def run() -> RescoreReport:
        sessions, matcher = _sessions(), active_matcher()
        settle_heap()
        with err.status("re-scoring…") as status:  # shown on a terminal only

            def progress(report: RescoreReport, total: int) -> None:
                status.update(
                    f"re-scoring: {report.listings:,} of {total:,} listings, {len(report.moved):,} moved"
                )

            return rescore(sessions, matcher, dry_run=dry_run, on_progress=progress)

    report = guarded(run)
    err.print(report.summary(), highlight=False, soft_wrap=True)
    write_rows([m.to_row() for m in report.moved], fmt, MOVED_COLUMNS, title="moved")
