"""Scoring the extractor on the Zyte product extraction benchmark, the way its evaluate.py does.

scrapinghub/product-extraction-benchmark (MIT) annotates 140 product pages with price, sku and
availability. Its ``evaluate.py`` rules, followed here: at most one predicted value per page;
a prediction is a true positive when it is one of the annotated values, otherwise a false
positive (and also a false negative when there was something to find); a missing
prediction is a false negative when the page has a value. Price compares as ``Decimal``
(currency ignored); availability is InStock/OutOfStock, and an empty prediction counts as
InStock (the benchmark did so for Zyte and extruct, to match Diffbot); sku compares exactly
after stripping whitespace. Pages are found by hash: through the ``path`` lines of
``realpages/SOURCES.md``, or as ``<hash>.html[.gz]`` anywhere under ``realpages/``.
"""

from __future__ import annotations

import gzip
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from extraction.decode import read_html
from extraction.extract import extract_page
from extraction.model import IN_STOCK

GROUND_TRUTH = Path("realpages/ground_truth/zyte_product_extraction_benchmark_ground-truth.json")
ATTRIBUTES = ("price", "sku", "availability")
# The README's results table (F1 / precision / recall, 134-140 pages), Zyte API 2021.2.0 and
# Diffbot fetched February 2021, and the extruct + price-parser baseline in the same repo.
PUBLISHED: dict[str, dict[str, tuple[float, float, float]]] = {
    "price": {"Zyte": (0.918, 0.918, 0.918), "Diffbot": (0.824, 0.844, 0.806),
              "extruct": (0.685, 0.864, 0.567)},
    "sku": {"Zyte": (0.841, 0.860, 0.822), "Diffbot": (0.765, 0.828, 0.711),
            "extruct": (0.537, 0.786, 0.407)},
    "availability": {"Zyte": (0.957, 0.957, 0.957), "Diffbot": (0.943, 0.943, 0.943),
                     "extruct": (0.626, 0.905, 0.479)},
}
PUBLISHED_SUPPORT = {"price": 134, "sku": 135, "availability": 140}
SOURCE_URL = "https://github.com/scrapinghub/product-extraction-benchmark"
_SECTION = re.compile(r"^### `([^`]+)`.*?dataset/html/([0-9a-f]{64})\.html", re.MULTILINE | re.DOTALL)


def _pages(shared_dir: Path, keys: set[str]) -> dict[str, Path]:
    realpages = shared_dir / "realpages"
    found: dict[str, Path] = {}
    sources = realpages / "SOURCES.md"
    if sources.is_file():
        for block in sources.read_text(encoding="utf-8").split("\n### ")[1:]:
            match = _SECTION.search("### " + block)
            if match and match.group(2) in keys and (realpages / match.group(1)).is_file():
                found[match.group(2)] = realpages / match.group(1)
    for path in realpages.rglob("*.html*"):
        key = path.name.split(".", 1)[0]
        if key in keys and key not in found:
            found[key] = path
    return found


def _read(path: Path) -> str:
    data = path.read_bytes()
    return read_html(gzip.decompress(data) if path.suffix == ".gz" else data)


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _match(attribute: str, truth: list[str], predicted: Any) -> tuple[int, int, int]:
    if attribute == "price":
        expected: set[Any] = {_decimal(v) for v in truth} - {None}
        predicted = None if predicted is None else Decimal(str(predicted))
    elif attribute == "sku":
        expected = {v.strip() for v in truth}
        predicted = predicted.strip() if predicted else None
    else:
        expected = set(truth)
        predicted = predicted or IN_STOCK
    if predicted is None:
        return 0, 0, int(bool(expected))
    if predicted in expected:
        return 1, 0, 0
    return 0, 1, int(bool(expected))


def _scores(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = 1.0 if fp == fn == 0 else 0.0 if tp == fp == 0 else tp / (tp + fp)
    recall = 1.0 if fp == fn == 0 else 0.0 if tp == fn == 0 else tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def evaluate_zyte(shared_dir: Path) -> dict[str, Any]:
    """P/R/F1 per attribute over the benchmark pages present, plus per-page errors."""
    truth: dict[str, dict[str, Any]] = json.loads((shared_dir / GROUND_TRUTH).read_text("utf-8"))
    pages = _pages(shared_dir, set(truth))
    counts = {a: [0, 0, 0] for a in ATTRIBUTES}
    support = dict.fromkeys(ATTRIBUTES, 0)
    errors: list[dict[str, Any]] = []
    for key, path in sorted(pages.items()):
        annotated = truth[key]
        page = extract_page(_read(path), url=annotated.get("url"))
        predicted = {"price": page.price, "sku": page.sku, "availability": page.availability}
        for attribute in ATTRIBUTES:
            expected = annotated.get(attribute, [])
            support[attribute] += bool(expected)
            result = _match(attribute, expected, predicted[attribute])
            counts[attribute] = [c + r for c, r in zip(counts[attribute], result, strict=True)]
            if result[1] or result[2]:
                errors.append({"page": path.name, "attribute": attribute, "expected": expected,
                               "predicted": None if predicted[attribute] is None
                               else str(predicted[attribute])})
    metrics = {a: {**_scores(*counts[a]), "support": support[a]} for a in ATTRIBUTES}
    return {"pages": len(pages), "metrics": metrics, "errors": errors}


def render_extraction_section(metrics: dict[str, Any]) -> str:
    """Markdown for BENCHMARKS.md: our P/R/F1 beside the published figures."""
    lines = [
        "## Listing extraction: Zyte product extraction benchmark",
        "",
        f"`extraction.extract_page` on the {metrics['pages']} pages of the benchmark present in "
        "`../shared/realpages/` (of its 140), scored with the benchmark's own matching rules "
        "(`evaluate.py`: price as a Decimal, sku exact, empty availability counted as InStock). "
        f"Published figures are from the benchmark's README ({SOURCE_URL}), measured on all "
        "140 pages, so they compare only roughly with a sample this small.",
        "",
        "| Attribute | System | F1 | Precision | Recall | Support |",
        "|---|---|---|---|---|---|",
    ]
    for attribute in ATTRIBUTES:
        ours = metrics["metrics"][attribute]
        lines.append(f"| {attribute} | thumbwatch | {ours['f1']:.3f} | {ours['precision']:.3f} | "
                     f"{ours['recall']:.3f} | {ours['support']} |")
        for system, (f1, precision, recall) in PUBLISHED[attribute].items():
            lines.append(f"| {attribute} | {system} (published) | {f1:.3f} | {precision:.3f} | "
                         f"{recall:.3f} | {PUBLISHED_SUPPORT[attribute]} |")
    if metrics["errors"]:
        lines += ["", "Misses on this sample:", ""]
        lines += [f"- `{e['page']}` {e['attribute']}: expected {e['expected']}, got {e['predicted']}"
                  for e in metrics["errors"]]
    return "\n".join(lines) + "\n"
