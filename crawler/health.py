"""Crawl health: what a run yielded, and whether that fell well below the spider's recent runs.

A site that changes its layout rarely fails loudly: pages still load, but the selectors find
fewer listings, or no price. So every run counts its yield (items, result cards per results
page) and how often each field was filled, and at the end compares them with the medians of
the same spider's recent runs. A sharp drop marks the run degraded with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.statscollectors import StatsCollector

    from crawler.items import ListingItem

PREFIX = "thumbwatch/health/"
HEALTH_FIELDS: tuple[str, ...] = (
    "title",
    "price",
    "currency",
    "seller_name",
    "description",
    "image_urls",
    "attributes",
)


@dataclass(frozen=True)
class HealthThresholds:
    """When a run counts as a drop against the spider's recent runs."""

    min_history: int = 3  # fewer earlier runs than this: no judgement
    history: int = 5  # how many recent runs make the baseline
    yield_ratio: float = 0.5  # items (or cards per results page) below this share of the median
    fill_drop: float = 0.3  # a field's fill rate this far below its median (absolute)
    fill_floor: float = 0.5  # fields filled less often than this usually are not judged


class ItemFieldCounter:
    """Counts items and their filled fields, adding them to the crawl's stats in batches.

    Scrapy's stats collector costs microseconds a call (it checks each call for a deprecated
    argument); eight calls per item were a noticeable share of a crawl's CPU, so the counts
    gather here and reach the stats every `every` items and on `flush`.
    """

    def __init__(self, stats: StatsCollector, every: int = 100) -> None:
        self.stats = stats
        self.every = every
        self._items = 0
        self._filled = dict.fromkeys(HEALTH_FIELDS, 0)

    def record(self, item: ListingItem) -> None:
        self._items += 1
        for name in HEALTH_FIELDS:
            if getattr(item, name) not in (None, "", [], {}):
                self._filled[name] += 1
        if self._items >= self.every:
            self.flush()

    def flush(self) -> None:
        if not self._items:
            return
        self.stats.inc_value(f"{PREFIX}items", self._items)
        for name, count in self._filled.items():
            if count:
                self.stats.inc_value(f"{PREFIX}filled/{name}", count)
        self._items = 0
        self._filled = dict.fromkeys(HEALTH_FIELDS, 0)


def record_results_page(stats: StatsCollector, cards: int) -> None:
    stats.inc_value(f"{PREFIX}results_pages")
    stats.inc_value(f"{PREFIX}result_cards", cards)


def run_metrics(stats: dict[str, Any]) -> dict[str, float]:
    """Yield and fill rates of one run, from its stats."""
    items = float(stats.get(f"{PREFIX}items", 0))
    pages = float(stats.get(f"{PREFIX}results_pages", 0))
    metrics = {
        "items": items,
        "cards_per_results_page": float(stats.get(f"{PREFIX}result_cards", 0)) / pages if pages else 0.0,
    }
    for name in HEALTH_FIELDS:
        metrics[f"fill/{name}"] = float(stats.get(f"{PREFIX}filled/{name}", 0)) / items if items else 0.0
    return metrics


def health_problems(
    current: dict[str, float], history: Sequence[dict[str, float]], limits: HealthThresholds
) -> list[str]:
    """Human-readable drops of `current` against the medians of `history`."""
    if len(history) < limits.min_history:
        return []
    problems = []
    for key, label in (("items", "listings"), ("cards_per_results_page", "result cards per page")):
        baseline = median(run[key] for run in history)
        if baseline > 0 and current[key] < limits.yield_ratio * baseline:
            problems.append(f"{label} {current[key]:.4g} vs median {baseline:.4g} of recent runs")
    if current["items"] > 0:
        for name in HEALTH_FIELDS:
            key = f"fill/{name}"
            baseline = median(run[key] for run in history)
            if baseline >= limits.fill_floor and current[key] < baseline - limits.fill_drop:
                problems.append(
                    f"{name} filled in {current[key]:.0%} of listings vs {baseline:.0%} in recent runs"
                )
    return problems
