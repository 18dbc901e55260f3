"""Measuring the matcher on a labelled JSON Lines file (the format of ``../shared/eval/dev.jsonl``).

`read_labels` validates a file line by line (errors name the file and line); `evaluate_labels`
scores the records with a `Matcher` and computes precision, recall and F1 of ``flagged`` against
``label`` overall, per tier and per language, family accuracy over the flagged true positives,
and lists the false positives and false negatives with their reasons. Lines marked
``ambiguous: true`` are left out of every figure, as the file's README prescribes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from matching.jsonlines import LineError, json_object, listing_attributes
from matching.matcher import Matcher
from matching.result import MatchResult

__all__ = [
    "GENERIC_FAMILY",
    "Confusion",
    "Error",
    "EvaluationReport",
    "LabelRecord",
    "TierFigures",
    "evaluate_labels",
    "read_label_file",
    "read_labels",
]

# A flagged listing with no known device belongs to the "unidentified mini phone" class.
GENERIC_FAMILY = "generic"


@dataclass(frozen=True, slots=True)
class LabelRecord:
    """One labelled listing."""

    id: str
    lang: str
    title: str
    description: str
    label: bool
    family: str | None
    ambiguous: bool
    attributes: dict[str, str] | None = None


# key -> (accepted types, description for the error message)
_REQUIRED: dict[str, tuple[tuple[type, ...], str]] = {
    "id": ((str,), "a non-empty string"),
    "lang": ((str,), "a non-empty string"),
    "title": ((str,), "a non-empty string"),
    "description": ((str,), "a string"),
    "label": ((bool,), "true or false"),
    "family": ((str, type(None)), "a string or null"),
    "ambiguous": ((bool,), "true or false"),
}


def _parse(text: str, source: str, number: int) -> LabelRecord:
    data = json_object(text, source, number)
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise LineError(source, number, "missing key(s) " + ", ".join(repr(k) for k in missing))
    for key, (types, wanted) in _REQUIRED.items():
        value = data[key]
        if not isinstance(value, types) or (wanted == "a non-empty string" and not value.strip()):
            raise LineError(source, number, f"'{key}' must be {wanted}, got {json.dumps(value)}")
    if data["label"] and not data["family"]:
        raise LineError(source, number, "'family' is required when 'label' is true")
    attributes = listing_attributes(data, source, number)
    return LabelRecord(**{key: data[key] for key in _REQUIRED}, attributes=attributes)


def read_labels(lines: Iterable[str], source: str = "<labels>") -> list[LabelRecord]:
    """Parse and validate labelled JSON Lines; blank lines are skipped, ids must be unique."""
    records: list[LabelRecord] = []
    first_line: dict[str, int] = {}
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        record = _parse(text, source, number)
        if record.id in first_line:
            raise LineError(
                source, number, f"duplicate id {record.id!r} (first on line {first_line[record.id]})"
            )
        first_line[record.id] = number
        records.append(record)
    return records


def read_label_file(path: Path) -> list[LabelRecord]:
    """`read_labels` over a file; a missing or undecodable file is a `LineError` on line 0."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LineError(str(path), 0, "file does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LineError(str(path), 0, f"cannot be read ({exc})") from None
    return read_labels(text.splitlines(), str(path))


@dataclass(slots=True)
class Confusion:
    """Counts of flagged vs label, with the derived figures (None when undefined)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, flagged: bool, label: bool) -> None:
        if flagged:
            if label:
                self.tp += 1
            else:
                self.fp += 1
        elif label:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None
        return 2 * p * r / (p + r)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
        }


@dataclass(slots=True)
class TierFigures:
    """Listings the matcher put in one tier: how many, how many are positives, and the precision."""

    n: int = 0
    positives: int = 0
    flagged: bool = True

    @property
    def precision(self) -> float | None:
        """Share of this tier's listings that are positives (only for flagged tiers)."""
        return self.positives / self.n if self.flagged and self.n else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "positives": self.positives,
            "negatives": self.n - self.positives,
            "flagged": self.flagged,
            "precision": self.precision,
        }


@dataclass(frozen=True, slots=True)
class Error:
    """A false positive or false negative, with what the matcher said."""

    id: str
    lang: str
    title: str
    score: int
    tier: str
    device_id: str | None
    family: str | None
    expected_family: str | None
    reasons: tuple[str, ...]


@dataclass(slots=True)
class EvaluationReport:
    """Every figure of one evaluation; `to_dict` is the `thumbwatch eval --json` object."""

    overall: Confusion
    per_tier: dict[str, TierFigures]
    per_lang: dict[str, Confusion]
    family_correct: int
    family_total: int
    family_mismatches: list[Error]
    false_positives: list[Error]
    false_negatives: list[Error]
    ambiguous_ignored: int
    matcher_version: str
    catalog_version: str

    @property
    def family_accuracy(self) -> float | None:
        return self.family_correct / self.family_total if self.family_total else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": self.overall.precision,
            "recall": self.overall.recall,
            "f1": self.overall.f1,
            "n": self.overall.n,
            "tp": self.overall.tp,
            "fp": self.overall.fp,
            "fn": self.overall.fn,
            "tn": self.overall.tn,
            "ambiguous_ignored": self.ambiguous_ignored,
            "per_tier": {tier: figures.to_dict() for tier, figures in self.per_tier.items()},
            "per_lang": {lang: figures.to_dict() for lang, figures in self.per_lang.items()},
            "family_accuracy": self.family_accuracy,
            "family_correct": self.family_correct,
            "family_total": self.family_total,
            "family_mismatches": [asdict(e) for e in self.family_mismatches],
            "false_positives": [asdict(e) for e in self.false_positives],
            "false_negatives": [asdict(e) for e in self.false_negatives],
            "matcher_version": self.matcher_version,
            "catalog_version": self.catalog_version,
        }


def _family_of(matcher: Matcher, result: MatchResult) -> str | None:
    if not result.flagged:
        return None
    if result.device_id is None:
        return GENERIC_FAMILY
    try:
        return matcher.catalog.get(result.device_id).family
    except KeyError:  # a device the catalog no longer knows cannot be right
        return f"unknown device {result.device_id}"


def _score(records: Sequence[LabelRecord], matcher: Matcher) -> list[MatchResult]:
    # One stream: it is read block by block, and a long file uses the helper processes.
    return list(matcher.score_stream((r.title, r.description, r.attributes) for r in records))


def evaluate_labels(records: Iterable[LabelRecord], matcher: Matcher) -> EvaluationReport:
    """Score `records` with `matcher` and measure the verdicts against the labels."""
    everything = list(records)
    kept = [r for r in everything if not r.ambiguous]
    results = _score(kept, matcher)
    # Tiers in order of the matcher's thresholds; "none" is the unflagged tier.
    per_tier = {tier: TierFigures(flagged=tier != "none") for tier in ("high", "medium", "low", "none")}
    report = EvaluationReport(
        overall=Confusion(),
        per_tier=per_tier,
        per_lang={},
        family_correct=0,
        family_total=0,
        family_mismatches=[],
        false_positives=[],
        false_negatives=[],
        ambiguous_ignored=len(everything) - len(kept),
        matcher_version=results[0].matcher_version if results else "",
        catalog_version=matcher.catalog.version,
    )
    for record, result in zip(kept, results, strict=True):
        report.overall.add(result.flagged, record.label)
        report.per_lang.setdefault(record.lang, Confusion()).add(result.flagged, record.label)
        tier = report.per_tier.setdefault(result.tier, TierFigures(flagged=result.flagged))
        tier.n += 1
        tier.positives += record.label
        family = _family_of(matcher, result)
        error = Error(
            id=record.id,
            lang=record.lang,
            title=record.title,
            score=result.score,
            tier=result.tier,
            device_id=result.device_id,
            family=family,
            expected_family=record.family,
            reasons=tuple(result.reason_texts()),
        )
        if result.flagged and record.label:
            report.family_total += 1
            if family == record.family:
                report.family_correct += 1
            else:
                report.family_mismatches.append(error)
        elif result.flagged:
            report.false_positives.append(error)
        elif record.label:
            report.false_negatives.append(error)
    report.per_lang = dict(sorted(report.per_lang.items(), key=lambda kv: (-kv[1].n, kv[0])))
    return report
