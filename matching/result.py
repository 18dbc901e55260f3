"""The matcher's output types: `Reason` (one piece of evidence) and `MatchResult`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii
from typing import Any

from matching.speedups import Memo, slot_constructor

__all__ = ["UNIDENTIFIED", "MatchResult", "Reason", "ReasonRow", "make_reason", "make_result", "reason"]

UNIDENTIFIED = "unidentified mini phone"
# A reason's fields in order: code, text, points, field, span, excerpt.
ReasonRow = tuple[str, str, float, "str | None", "tuple[int, int] | None", "str | None"]


@dataclass(frozen=True, slots=True)
class Reason:
    """One piece of evidence: its signed points and where in the listing it was read."""

    code: str
    text: str
    points: float
    field: str | None = None
    span: tuple[int, int] | None = None
    excerpt: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (span as a list)."""
        return {
            "code": self.code,
            "text": self.text,
            "points": self.points,
            "field": self.field,
            "span": None if self.span is None else list(self.span),
            "excerpt": self.excerpt,
        }

    def shown(self) -> str:
        """Human-readable, with its points, e.g. `+55 names L8star BM10 ("L8star BM10")`."""
        quoted = f' ("{self.excerpt}")' if self.excerpt else ""
        return f"{self.points:+g} {self.text}{quoted}"


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The verdict on one listing: score, tier, device and the reasons behind them."""

    score: int
    tier: str
    flagged: bool
    device_id: str | None
    device_name: str | None
    reasons: tuple[Reason, ...]
    matcher_version: str
    catalog_version: str

    def reason_dicts(self) -> list[dict[str, Any]]:
        """The reasons' JSON-able forms (`Reason.to_dict`), as stored with hits. Each distinct
        reason's dict is built once and shared (reasons recur): read them, never change them."""
        return [_reason_dicts[r] if _shareable(r.points) else r.to_dict() for r in self.reasons]

    def reasons_json(self) -> str:
        """`reason_dicts` as the JSON text `json.dumps` makes of it: what a hit stores, built from
        kept encodings of the parts that recur (see `_reason_json`)."""
        return "[" + ", ".join(map(_reason_json, self.reasons)) + "]"

    def reason_texts(self) -> list[str]:
        """The reasons shown with their points (`Reason.shown`), each distinct one built once."""
        return [_reason_texts[r] if _shareable(r.points) else r.shown() for r in self.reasons]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "score": self.score,
            "tier": self.tier,
            "flagged": self.flagged,
            "device_id": self.device_id,
            "device_name": self.device_name,
            "reasons": self.reason_dicts(),
            "matcher_version": self.matcher_version,
            "catalog_version": self.catalog_version,
        }


make_result = slot_constructor(MatchResult)
make_reason = slot_constructor(Reason)


# Bounded: spans and excerpts vary without end.
_reasons: Memo[ReasonRow, Reason] = Memo(lambda row: make_reason(*row), 100_000)
# Keyed by the reason, so only for `_shareable` points.
_reason_dicts: Memo[Reason, dict[str, Any]] = Memo(Reason.to_dict, 100_000)
_reason_texts: Memo[Reason, str] = Memo(Reason.shown, 100_000)


def _encode_head(key: tuple[str, str, float, str | None]) -> str:
    code, text, points, field = key
    return json.dumps({"code": code, "text": text, "points": points, "field": field})[:-1]


# A reason's code, text, points and field: few distinct ones, unlike spans and excerpts.
_reason_heads: Memo[tuple[str, str, float, str | None], str] = Memo(_encode_head, 100_000)


def _reason_json(r: Reason) -> str:
    """`json.dumps(r.to_dict())`, its head (all but span and excerpt) encoded once per distinct
    head: most reasons differ from each other only by where they were read."""
    if not _shareable(r.points):
        return json.dumps(r.to_dict())
    head = _reason_heads[r.code, r.text, r.points, r.field]
    span = "null" if r.span is None else f"[{r.span[0]}, {r.span[1]}]"
    excerpt = "null" if r.excerpt is None else encode_basestring_ascii(r.excerpt)
    return f'{head}, "span": {span}, "excerpt": {excerpt}}}'


def reason(row: ReasonRow) -> Reason:
    """The `Reason` with these fields, shared between results that hold the same one.

    Most reasons recur (same wording at the same place), so equal ones are built once. Safe
    because reasons are immutable.
    """
    if not _shareable(row[2]):
        return make_reason(*row)
    return _reasons[row]


def _shareable(points: float) -> bool:
    """Whether a reason with these points may share what is kept for its equals: not an int or a
    -0.0, equal to a kept float yet printed differently (5 vs 5.0, -0.0 vs 0.0)."""
    return type(points) is float and (points != 0 or str(points) == "0.0")
