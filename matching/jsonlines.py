"""Reading listings from JSON Lines, one validated object per line, errors naming the line.

Shared by `thumbwatch match` (listings to score) and `thumbwatch eval` (labelled listings).
"""

from __future__ import annotations

import json
from typing import Any


class LineError(ValueError):
    """A line of a JSON Lines file that cannot be used: names the file and the line."""

    def __init__(self, source: str, line: int, why: str) -> None:
        super().__init__(f"{source}, line {line}: {why}")
        self.source = source
        self.line = line
        self.why = why


def json_object(text: str, source: str, number: int) -> dict[str, Any]:
    """The JSON object on line `number` of `source`, or `LineError` saying what is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LineError(source, number, f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise LineError(source, number, f"expected a JSON object, got {type(data).__name__}")
    return data
