"""Scoring listings that did not come from a crawl: JSON Lines in, JSON Lines out.

Each input line is a JSON object with at least a non-empty ``title`` (``description``,
``attributes``, ``price``, ``currency``, ``url``, ``id`` optional; unknown keys are kept). Each output line is
the input plus ``score``, ``flagged``, ``device``, ``device_name``, ``tier`` and ``reasons``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import tee
from typing import Any, TextIO

from matching.jsonlines import LineError


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

    Lines are read, scored and written as a stream: output starts before the input is read to
    its end, and memory stays bounded whatever the input's length. A bad line raises its
    `LineError`, or with `skip_invalid` is reported and left out.
    """
    report = MatchFileReport()

    def listing_lines() -> Iterator[tuple[str, int, str]]:
        for number, text in enumerate(lines, start=1):
            if text.strip():
                report.read += 1
                yield source, number, text

    numbered, kept = tee(listing_lines())
    for (_, number, _), (output, flagged, why) in zip(kept, matcher.score_lines(numbered), strict=True):
        if why is not None:
            error = LineError(source, number, why)
            if not skip_invalid:
                raise error
            report.skipped.append(error)
            continue
        out.write(output + "\n")
        report.written += 1
        report.flagged += flagged
    return report
