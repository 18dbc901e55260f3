"""Scoring listings that did not come from a crawl: JSON Lines in, JSON Lines out.

Each input line is a JSON object with at least a non-empty ``title`` (``description``,
``price``, ``currency``, ``url``, ``id`` optional; unknown keys are kept). Each output line is
the input plus ``score``, ``flagged``, ``device``, ``device_name``, ``tier`` and ``reasons``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from matching.jsonlines import LineError, json_object

# Large enough for score_many to spread a big file over both cores (it does so from 5,000).
BATCH = 10_000




@dataclass
class MatchFileReport:
    read: int = 0
    written: int = 0
    flagged: int = 0
    skipped: list[LineError] = field(default_factory=list)


def parse_line(text: str, source: str, number: int) -> dict[str, Any]:
    record = json_object(text, source, number)
    title = record.get("title")
    if not isinstance(title, str) or not title.strip():
        raise LineError(source, number, "missing or empty 'title' (a non-empty string)")
    description = record.get("description", "")
    if description is not None and not isinstance(description, str):
        raise LineError(source, number, "'description' must be a string")
    return record


def _records(
    lines: Iterable[str], source: str, skip_invalid: bool, report: MatchFileReport
) -> Iterator[dict[str, Any]]:
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        report.read += 1
        try:
            yield parse_line(text, source, number)
        except LineError as error:
            if not skip_invalid:
                raise
            report.skipped.append(error)


def match_lines(
    lines: Iterable[str],
    out: TextIO,
    matcher: Any,
    source: str = "<stdin>",
    skip_invalid: bool = False,
) -> MatchFileReport:
    """Score every record of `lines` with `matcher.score_many` and write one JSON line each."""
    report = MatchFileReport()
    batch: list[dict[str, Any]] = []
    for record in _records(lines, source, skip_invalid, report):
        batch.append(record)
        if len(batch) >= BATCH:
            _write_batch(batch, out, matcher, report)
            batch = []
    _write_batch(batch, out, matcher, report)
    return report


def _write_batch(batch: list[dict[str, Any]], out: TextIO, matcher: Any, report: MatchFileReport) -> None:
    if not batch:
        return
    results = matcher.score_many([(r["title"], r.get("description") or "") for r in batch])
    for record, result in zip(batch, results, strict=True):
        record.update(
            score=result.score,
            flagged=result.flagged,
            device=result.device_id,
            device_name=result.device_name,
            tier=result.tier,
            reasons=result.reason_texts(),
        )
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        report.written += 1
        report.flagged += result.flagged
