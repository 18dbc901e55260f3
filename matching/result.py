"""The matcher's output types: `Reason` (one piece of evidence) and `MatchResult`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["UNIDENTIFIED", "MatchResult", "Reason"]

UNIDENTIFIED = "unidentified mini phone"


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

    def reason_texts(self) -> list[str]:
        """Human-readable reasons with their points, e.g. `+55 names L8star BM10 ("L8star BM10")`."""
        out = []
        for r in self.reasons:
            quoted = f' ("{r.excerpt}")' if r.excerpt else ""
            out.append(f"{r.points:+g} {r.text}{quoted}")
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "score": self.score,
            "tier": self.tier,
            "flagged": self.flagged,
            "device_id": self.device_id,
            "device_name": self.device_name,
            "reasons": [r.to_dict() for r in self.reasons],
            "matcher_version": self.matcher_version,
            "catalog_version": self.catalog_version,
        }
