"""Scoring listings that did not come from a crawl: JSON Lines in, JSON Lines out.

Each input line is a JSON object with at least a non-empty ``title`` (``description``,
``price``, ``currency``, ``url``, ``id`` optional; unknown keys are kept). Each output line is
the input plus ``score``, ``flagged``, ``device``, ``device_name``, ``tier`` and ``reasons``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TextIO

from matching.jsonlines import LineError

# Lines read before scoring: large enough for the matcher to spread them over all cores and keep
# its helpers busy (it does so from 5,000), small enough to bound memory on any file.
BATCH = 50_000


@dataclass
class MatchFileReport:
    read: int = 0
    written: int = 0
    flagged: int = 0
    skipped: list[LineError] = field(default_factory=list)


def match_lines(
    lines: Iterable[str],
    out: TextIO,
    matcher: Any,
    source: str = "<stdin>",
    skip_invalid: bool = False,
) -> MatchFileReport:
    """Score every listing line of `lines` (`Matcher.score_lines`) and write one JSON line each.

    A bad line raises its `LineError`, or with `skip_invalid` is reported and left out.
    """
    report = MatchFileReport()
    batch: list[tuple[str, int, str]] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        report.read += 1
        batch.append((source, number, text))
        if len(batch) >= BATCH:
            _write_batch(batch, out, matcher, report, skip_invalid)
            batch = []
    _write_batch(batch, out, matcher, report, skip_invalid)
    return report


def _write_batch(
    batch: list[tuple[str, int, str]], out: TextIO, matcher: Any, report: MatchFileReport, skip_invalid: bool
) -> None:
    if not batch:
        return
    for (source, number, _), (output, flagged, why) in zip(batch, matcher.score_lines(batch), strict=True):
        if why is not None:
            error = LineError(source, number, why)
            if not skip_invalid:
                raise error
            report.skipped.append(error)
            continue
        out.write(output + "\n")
        report.written += 1
        report.flagged += flagged
