"""Listings in JSON Lines: one validated object per line, errors naming the line.

`json_object` is shared by `thumbwatch match` (listings to score) and `thumbwatch eval` (labelled
listings). `score_line` is `thumbwatch match`'s whole work on one line (parse, check, score,
write the output line), so that `Matcher.score_lines` can run it in its helper processes too.

Output lines are encoded by orjson, in about a sixth of the standard library's time for a typical
line. What orjson refuses to write (NaN and infinities, integers beyond 64 bits, lone surrogates,
all of which Python's json reads) is written by json, as before. Lines are read by json: orjson
reads integers beyond 64 bits as floats, which would change an `id`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from matching.matcher import Matcher

# What `score_line` gives back: the output line (None for a bad line), whether the listing is
# flagged, and what is wrong with the line (None for a good one). Plain values: they cross pipes.
LineOutcome = tuple["str | None", bool, "str | None"]


class NonFiniteNumber(float):
    """NaN, Infinity or -Infinity as read from a line: orjson refuses to write it (instead of
    writing null for it), so the line is written by json, as it was read."""


_INPUT = json.JSONDecoder(parse_constant=NonFiniteNumber)
# `json.dumps(record, ensure_ascii=False)`, without building an encoder per line as `json.dumps`
# does for any non-default option: for the lines orjson does not write.
_FALLBACK_OUTPUT = json.JSONEncoder(ensure_ascii=False)


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
        if text.startswith("\ufeff"):  # as json.loads says
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        data = _INPUT.decode(text)
    except json.JSONDecodeError as exc:
        raise LineError(source, number, f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise LineError(source, number, f"expected a JSON object, got {type(data).__name__}")
    return data


def listing_attributes(record: dict[str, Any], source: str, number: int) -> dict[str, str] | None:
    """The line's optional `attributes`: an object of attribute names to text, as a listing's
    attribute table (`{"Weight": "18 g", "Size": "68 x 28 x 13 mm"}`), read by the matcher after
    the title and description; None when absent or null; `LineError` when malformed."""
    attributes = record.get("attributes")
    if attributes is None:
        return None
    if not isinstance(attributes, dict) or not all(isinstance(v, str) for v in attributes.values()):
        got = json.dumps(attributes, ensure_ascii=False)
        raise LineError(source, number, f"'attributes' must be an object of names to strings, got {got}")
    return attributes


def listing_record(text: str, source: str, number: int) -> dict[str, Any]:
    """The listing on line `number`: a JSON object with a non-empty string `title` and, if
    present, a string (or null) `description` and an `attributes` object (`listing_attributes`);
    `LineError` otherwise."""
    record = json_object(text, source, number)
    title = record.get("title")
    if not isinstance(title, str) or not title.strip():
        raise LineError(source, number, "missing or empty 'title' (a non-empty string)")
    description = record.get("description", "")
    if description is not None and not isinstance(description, str):
        raise LineError(source, number, "'description' must be a string")
    listing_attributes(record, source, number)
    return record


def score_line(matcher: Matcher, line: tuple[str, int, str]) -> LineOutcome:
    """A (source, line number, text) line scored: the input object plus `score`, `flagged`,
    `device`, `device_name`, `tier` and `reasons`, as one JSON text (unknown keys are kept)."""
    source, number, text = line
    try:
        record = listing_record(text, source, number)
    except LineError as error:
        return None, False, error.why
    result = matcher.score_listing(record["title"], record.get("description") or "", record.get("attributes"))
    record.update(
        score=result.score,
        flagged=result.flagged,
        device=result.device_id,
        device_name=result.device_name,
        tier=result.tier,
        reasons=result.reason_texts(),
    )
    return encode_line(record), result.flagged, None


def encode_line(record: dict[str, Any]) -> str:
    """`record` as one line of JSON text, non-ASCII characters as they are (see the module's
    docstring)."""
    try:
        return orjson.dumps(record).decode()
    except orjson.JSONEncodeError:
        return _FALLBACK_OUTPUT.encode(record)
