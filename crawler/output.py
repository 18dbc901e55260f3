"""Rendering rows for the terminal (rich tables) or for machines (JSON, JSON Lines, CSV)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"


def write_rows(
    rows: Sequence[dict[str, Any]],
    fmt: OutputFormat,
    table_columns: Sequence[str],
    title: str | None = None,
    out: TextIO | None = None,
) -> None:
    """Write `rows`; the table shows `table_columns`, the machine formats every field."""
    out = out or sys.stdout
    if fmt is OutputFormat.JSON:
        # One write: `json.dump` writes every indented fragment separately, several per field.
        out.write(json.dumps(list(rows), ensure_ascii=False, indent=2, default=str) + "\n")
    elif fmt is OutputFormat.JSONL:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    elif fmt is OutputFormat.CSV:
        fields = list(rows[0]) if rows else list(table_columns)
        writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_value(v) for k, v in row.items()})
    else:
        table = Table(title=title, show_lines=False)
        for column in table_columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in table_columns))
        Console(file=out, width=200 if not out.isatty() else None).print(table)


# Text a spreadsheet would run as a formula (listing titles are untrusted): prefixed with ' .
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return f"'{value}"
    return value
