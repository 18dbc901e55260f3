"""Marking the text spans that match reasons point at, safely escaped for HTML."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from markupsafe import Markup, escape


def reason_spans(reasons: Iterable[dict[str, Any]], field: str) -> list[tuple[int, int]]:
    """The spans of `field` (title or description) that reasons cite, in text order."""
    spans = []
    for item in reasons:
        span = item.get("span")
        if item.get("field") == field and span and len(span) == 2:
            spans.append((int(span[0]), int(span[1])))
    return sorted(spans)


def highlight(text: str, spans: Sequence[tuple[int, int]]) -> Markup:
    """`text` escaped, with each span (merged where they overlap) wrapped in ``<mark>``."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        start, end = max(0, start), min(len(text), end)
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts: list[str] = []
    cursor = 0
    for start, end in merged:
        parts.append(escape(text[cursor:start]))
        parts.append(Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
        cursor = end
    parts.append(escape(text[cursor:]))
    return Markup("").join(parts)
