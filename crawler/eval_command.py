"""`thumbwatch eval --labels FILE [--json]`: the matcher measured on a labelled file.

A thin layer over `matching.evaluation`: a rich report for people, one JSON object for machines.
A malformed file is a usage error (exit 2) naming the file and line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from crawler.cli import fail, guarded
from matching.evaluation import Confusion, Error, EvaluationReport

__all__ = ["eval_command", "render_report"]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _confusion_table(title: str, key: str, rows: dict[str, Confusion]) -> Table:
    table = Table(title=title)
    for column in (key, "n", "precision", "recall", "F1", "TP", "FP", "FN", "TN"):
        table.add_column(column, justify="left" if column == key else "right")
    for name, c in rows.items():
        table.add_row(
            name, str(c.n), _pct(c.precision), _pct(c.recall), _pct(c.f1), *map(str, (c.tp, c.fp, c.fn, c.tn))
        )
    return table


def _error_table(title: str, errors: list[Error], families: bool = False) -> Table:
    table = Table(title=title, show_lines=True)
    for column in ("id", "lang", "score", "tier", "device" if not families else "family", "title", "reasons"):
        table.add_column(column, overflow="fold")
    for e in errors:
        device = e.device_id or "" if not families else f"{e.family} (expected {e.expected_family})"
        table.add_row(e.id, e.lang, str(e.score), e.tier, device, e.title, "\n".join(e.reasons))
    return table


def render_report(report: EvaluationReport, console: Console) -> None:
    """Print `report` as rich tables: overall, per tier, per language, family, errors."""
    console.print(
        f"matcher {report.matcher_version}, catalog {report.catalog_version[:12]}: "
        f"{report.overall.n} labelled listings ({report.ambiguous_ignored} ambiguous ignored)",
        highlight=False,
    )
    console.print(_confusion_table("overall", "", {"all": report.overall}))
    tiers = Table(title="per tier (precision: share of the tier's listings that are positives)")
    for column in ("tier", "n", "positives", "negatives", "precision"):
        tiers.add_column(column, justify="left" if column == "tier" else "right")
    for name, t in report.per_tier.items():
        tiers.add_row(name, str(t.n), str(t.positives), str(t.n - t.positives), _pct(t.precision))
    console.print(tiers)
    console.print(_confusion_table("per language", "lang", report.per_lang))
    console.print(
        f"family accuracy over flagged true positives: {_pct(report.family_accuracy)} "
        f"({report.family_correct}/{report.family_total})",
        highlight=False,
    )
    for title, errors, families in (
        ("wrong family", report.family_mismatches, True),
        ("false positives", report.false_positives, False),
        ("false negatives", report.false_negatives, False),
    ):
        if errors:
            console.print(_error_table(f"{title} ({len(errors)})", errors, families))
        else:
            console.print(f"{title}: none", highlight=False)


def eval_command(
    labels: Annotated[
        Path, typer.Option("--labels", help="Labelled JSON Lines (format of ../shared/eval/dev.jsonl).")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object instead of tables.")] = False,
) -> None:
    """Measure the matcher on a labelled file: precision, recall, F1, per tier and language."""
    from crawler.catalog_store import active_matcher
    from matching.evaluation import evaluate_labels, read_label_file
    from matching.jsonlines import LineError

    try:
        records = read_label_file(labels)
    except LineError as exc:
        raise fail(str(exc), 2) from None
    report = guarded(lambda: evaluate_labels(records, active_matcher()))
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
    else:
        render_report(report, Console(width=200 if not sys.stdout.isatty() else None))
