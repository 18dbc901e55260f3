"""Measurement of the matcher on ../shared/eval/dev.jsonl and on listings of our own.

Split decided before any tuning: ids whose number is a multiple of 5 are held out (32 lines,
31 non-ambiguous); weights and vocabulary were tuned on the other 128 only. Ambiguous lines are
left out, as `thumbwatch eval` does. Measured with MATCHER_VERSION 2025.1, and the same with
2026.1 to 2026.4: tuning P=R=F1=1.000 (59 TP, 66 TN), held-out P=R=F1=1.000 (13 TP,
18 TN). The thresholds below leave a margin for vocabulary changes without letting a real regression through.
"""

from __future__ import annotations

import json
from pathlib import Path

from matching import get_matcher
from matching.evaluation import evaluate_labels, read_label_file


def _split(shared_dir: Path, held_out: bool) -> list[dict]:
    rows = [
        json.loads(line)
        for line in (shared_dir / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
        if line
    ]
    assert len(rows) == 160
    return [r for r in rows if not r["ambiguous"] and (int(r["id"][4:]) % 5 == 0) == held_out]


def _measure(rows: list[dict]) -> dict[str, float]:
    matcher = get_matcher()
    tp = fp = fn = fam = 0
    for row in rows:
        result = matcher.score_listing(row["title"], row["description"])
        if result.flagged and row["label"]:
            tp += 1
            family = matcher.catalog.get(result.device_id).family if result.device_id else "generic"
            fam += family == row["family"]
        fp += result.flagged and not row["label"]
        fn += row["label"] and not result.flagged
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall),
        "family": fam / tp,
        "n": len(rows),
    }


def test_held_out_quality(shared_dir: Path) -> None:
    m = _measure(_split(shared_dir, held_out=True))
    assert m["n"] == 31
    assert m["precision"] >= 0.92 and m["recall"] >= 0.92 and m["f1"] >= 0.92, m
    assert m["family"] >= 0.9, m


def test_tuning_quality(shared_dir: Path) -> None:
    m = _measure(_split(shared_dir, held_out=False))
    assert m["n"] == 125
    assert m["precision"] >= 0.97 and m["recall"] >= 0.97, m
    assert m["family"] >= 0.95, m


INDEPENDENT = Path(__file__).parent / "data" / "eval" / "independent.jsonl"


def test_listings_written_without_sight_of_the_matcher() -> None:
    """The issue's targets on `tests/data/eval/independent.jsonl` (see its README)."""
    report = evaluate_labels(read_label_file(INDEPENDENT), get_matcher())
    assert report.overall.n == 3016  # 3,090 lines, 74 ambiguous
    assert report.overall.f1 is not None and report.overall.f1 >= 0.97, report.overall.to_dict()
    assert report.per_tier["high"].precision == 1.0, report.per_tier["high"].to_dict()
    assert report.family_accuracy is not None and report.family_accuracy >= 0.95
