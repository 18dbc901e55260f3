"""FreezeStartupHeap: what exists when the spider opens leaves garbage collection, later objects do not."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawler.heap import FreezeStartupHeap
from matching.speedups import BULK_GC_THRESHOLDS


@pytest.fixture
def unfrozen() -> Iterator[None]:
    thresholds = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_spider_opened_freezes_the_start_up_heap_and_records_how_much(unfrozen: None) -> None:
    crawler = get_crawler()
    crawler.stats = MemoryStatsCollector(crawler)
    extension = FreezeStartupHeap.from_crawler(crawler)
    built_at_start = [{"catalog": index} for index in range(1000)]
    assert gc.get_freeze_count() == 0

    extension.spider_opened()

    frozen = gc.get_freeze_count()
    assert frozen > len(built_at_start)
    assert crawler.stats.get_value("thumbwatch/gc/frozen_objects") == frozen
    assert not any(o is built_at_start for o in gc.get_objects())  # out of the collector's sight
    later = [{"page": index} for index in range(10)]
    assert any(o is later for o in gc.get_objects())
    assert gc.get_threshold() == BULK_GC_THRESHOLDS


def test_the_crawl_settings_enable_it() -> None:
    from crawler import settings

    assert "crawler.heap.FreezeStartupHeap" in settings.EXTENSIONS
