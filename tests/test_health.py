"""Crawl health: yield and fill-rate drops against a spider's recent runs."""

from __future__ import annotations

import dataclasses
import json
import socket
from pathlib import Path

import pytest

from crawler.health import HealthThresholds, health_problems, run_metrics
from sandbox import SandboxServer, generate_catalogue
from storage import CrawlRun, RunStatus, create_db_engine, session_factory
from tests.e2e_support import db_url, run_cli


def metrics(items: float, price: float = 1.0, cards: float = 20.0) -> dict[str, float]:
    stats = {
        "thumbwatch/health/items": items,
        "thumbwatch/health/results_pages": 10,
        "thumbwatch/health/result_cards": cards * 10,
        **{f"thumbwatch/health/filled/{f}": items for f in ("title", "currency", "description")},
        "thumbwatch/health/filled/price": price * items,
    }
    return run_metrics(stats)


def test_run_metrics_fill_rates() -> None:
    m = metrics(40, price=0.5)
    assert (
        m["items"],
        m["cards_per_results_page"],
        m["fill/price"],
        m["fill/title"],
        m["fill/seller_name"],
    ) == (40.0, 20.0, 0.5, 1.0, 0.0)
    assert run_metrics({})["items"] == 0.0


def test_drops_against_recent_runs() -> None:
    limits = HealthThresholds()
    history = [metrics(40), metrics(44), metrics(38)]
    assert health_problems(metrics(39), history, limits) == []
    assert health_problems(metrics(15), history, limits) == ["listings 15 vs median 40 of recent runs"]
    assert health_problems(metrics(40, price=0.1), history, limits) == [
        "price filled in 10% of listings vs 100% in recent runs"
    ]
    assert health_problems(metrics(40, cards=5), history, limits) == [
        "result cards per page 5 vs median 20 of recent runs"
    ]
    assert health_problems(metrics(1), history[:2], limits) == []  # too little history


@pytest.mark.e2e
def test_a_layout_change_marks_the_run_degraded(tmp_path: Path) -> None:
    catalogue = generate_catalogue(2025, 80)
    # The "new layout" shows no price any more: everything else is unchanged.
    priceless = [dataclasses.replace(x, price_display="Price on request") for x in catalogue]
    args = ("crawl", "sandbox_bazaar", "-a", "queries=mini,phone", "-s", "THUMBWATCH_HEALTH_MIN_HISTORY=1")
    with socket.socket() as sock:  # the same base_url both times: the runs are comparable
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    for listings in (catalogue, priceless):
        with SandboxServer(listings=listings, port=port) as server:
            result = run_cli(tmp_path, *args[:2], "-a", f"base_url={server.url}", *args[2:])
            assert result.returncode == 0, result.stderr
    with session_factory(create_db_engine(db_url(tmp_path)))() as session:
        first, second = session.query(CrawlRun).order_by(CrawlRun.id).all()
    assert first.status is RunStatus.OK
    assert second.status is RunStatus.DEGRADED
    assert second.error == (
        "yield or fields dropped (site layout changed?): "
        "price filled in 0% of listings vs 100% in recent runs; "
        "currency filled in 0% of listings vs 100% in recent runs"
    )
    assert "site layout changed?" in run_cli(tmp_path, "runs").stdout
    rows = json.loads(run_cli(tmp_path, "runs", "--format", "json").stdout)
    assert [row["run_id"] for row in rows] == [second.id, first.id]
    for row, run in zip(rows, (second, first), strict=True):  # the crawl's last heartbeat
        assert row["heartbeat_at"] == run.heartbeat_at.isoformat()
        assert row["started_at"] <= row["heartbeat_at"] <= row["finished_at"]


def test_item_field_counter_adds_its_counts_in_batches_and_on_flush() -> None:
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    from crawler.health import ItemFieldCounter
    from tests.factories import make_item

    stats = MemoryStatsCollector(get_crawler())
    counter = ItemFieldCounter(stats, every=2)
    bare = make_item("B1")
    bare.price, bare.image_urls, bare.attributes = None, [], {}
    counter.record(make_item("A1"))
    assert stats.get_value("thumbwatch/health/items") is None  # not yet a batch
    counter.record(bare)
    counter.record(make_item("A2"))
    assert stats.get_value("thumbwatch/health/items") == 2
    counter.flush()
    counter.flush()  # nothing left: adds nothing
    assert stats.get_value("thumbwatch/health/items") == 3
    assert stats.get_value("thumbwatch/health/filled/title") == 3
    assert stats.get_value("thumbwatch/health/filled/price") == 2
    assert stats.get_value("thumbwatch/health/filled/image_urls") == 2
    assert stats.get_value("thumbwatch/health/filled/attributes") == 2
    assert stats.get_value("thumbwatch/health/filled/seller_name") == 3
