"""End-to-end: the sandbox on an ephemeral port, real crawls through the CLI in child
processes, exact counts against the sandbox's ground truth."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from matching import load_catalog, search_queries
from sandbox import SandboxServer, generate_catalogue, site_truth
from storage import CrawlRun, RunStatus, create_db_engine, session_factory
from tests.e2e_support import db_url, row_counts, run_cli, stored_ids

pytestmark = pytest.mark.e2e

SEED = 2025
SITES = {"sandbox_bazaar": ("bazaar", "sandbox-bazaar"), "sandbox_shop": ("shop", "sandbox-shop")}


@pytest.fixture(scope="module")
def catalogue() -> list:
    return generate_catalogue(SEED)


@pytest.fixture(scope="module")
def queries() -> list[str]:
    return search_queries(load_catalog())


@pytest.fixture(scope="module")
def sandbox_url(catalogue: list) -> Iterator[str]:
    with SandboxServer(listings=catalogue, seed=SEED) as server:
        yield server.url


def runs(home: Path) -> list[CrawlRun]:
    with session_factory(create_db_engine(db_url(home)))() as session:
        return list(session.query(CrawlRun).order_by(CrawlRun.id))


@pytest.mark.parametrize("spider", sorted(SITES))
def test_crawl_stores_exactly_the_ground_truth_and_recrawl_adds_nothing(
    spider: str, sandbox_url: str, catalogue: list, queries: list[str], tmp_path: Path
) -> None:
    site, marketplace = SITES[spider]
    truth = site_truth(catalogue, site, queries)
    assert truth.listed_ids and truth.hit_ids  # the sandbox must exercise both sides

    first = run_cli(tmp_path, "crawl", spider, "-a", f"base_url={sandbox_url}")
    assert first.returncode == 0, first.stderr
    assert stored_ids(tmp_path, marketplace) == set(truth.listed_ids)
    assert stored_ids(tmp_path, marketplace, flagged_only=True) == set(truth.hit_ids)
    counts = row_counts(tmp_path)
    assert counts == {
        "listings": len(truth.listed_ids),
        "snapshots": len(truth.listed_ids),
        "hits": len(truth.hit_ids),
    }

    second = run_cli(tmp_path, "crawl", spider, "-a", f"base_url={sandbox_url}")
    assert second.returncode == 0, second.stderr
    assert row_counts(tmp_path) == counts
    recorded = runs(tmp_path)
    assert [r.status for r in recorded] == [RunStatus.OK, RunStatus.OK]
    assert recorded[1].stats["thumbwatch/items_stored"] == len(truth.listed_ids)
    assert recorded[1].stats["thumbwatch/snapshots_created"] == 0
    assert recorded[1].finished_at is not None and recorded[1].finished_at.tzinfo is not None
    assert recorded[1].stats["thumbwatch/politeness/ROBOTSTXT_OBEY"] is True
    assert recorded[1].stats["thumbwatch/politeness/overrides"] == [
        "AUTOTHROTTLE_ENABLED=False (spider)",
        "DOWNLOAD_DELAY=0 (spider)",
        "CONCURRENT_REQUESTS_PER_DOMAIN=8 (spider)",
    ]

    hits = json.loads(run_cli(tmp_path, "hits", "--format", "json").stdout)
    assert len(hits) == len(truth.hit_ids)
    assert {h["marketplace"] for h in hits} == {marketplace}
    required = {
        "listing_id",
        "marketplace",
        "url",
        "title",
        "price",
        "currency",
        "seller",
        "device",
        "score",
        "tier",
        "status",
        "first_seen",
    }
    assert all(required <= set(h) for h in hits)
    assert all(h["status"] == "new" and h["tier"] != "none" for h in hits)
    if spider == "sandbox_bazaar":
        strong = [h for h in hits if h["score"] >= 90]
        csv_rows = run_cli(tmp_path, "hits", "--min-score", "90", "--format", "csv").stdout.splitlines()
        assert len(csv_rows) == 1 + len(strong)
        assert csv_rows[0].startswith("listing_id,marketplace,external_id,url,title,price,currency")


@pytest.mark.browser
def test_javascript_marketplace_is_crawled_through_chromium(
    sandbox_url: str, catalogue: list, queries: list[str], tmp_path: Path
) -> None:
    truth = site_truth(catalogue, "jsmarket", queries)
    result = run_cli(tmp_path, "crawl", "sandbox_jsmarket", "-a", f"base_url={sandbox_url}", timeout=600)
    assert result.returncode == 0, result.stderr
    assert stored_ids(tmp_path, "sandbox-jsmarket") == set(truth.listed_ids)
    assert stored_ids(tmp_path, "sandbox-jsmarket", flagged_only=True) == set(truth.hit_ids)
    run = runs(tmp_path)[-1]
    assert run.status is RunStatus.OK
    assert run.stats["playwright/page_count"] >= len(truth.listed_ids)


def test_faults_are_counted_and_the_rest_is_stored(
    catalogue: list, queries: list[str], tmp_path: Path
) -> None:
    truth = site_truth(catalogue, "bazaar", queries, faults=True)
    with SandboxServer(listings=catalogue, seed=SEED, faults=True) as server:
        result = run_cli(
            tmp_path,
            "crawl",
            "sandbox_bazaar",
            "-a",
            f"base_url={server.url}",
            "-s",
            "DOWNLOAD_TIMEOUT=1",
            "-s",
            "RETRY_TIMES=0",
        )
    assert result.returncode == 0, result.stderr
    assert stored_ids(tmp_path, "sandbox-bazaar") == set(truth.listed_ids)
    run = runs(tmp_path)[-1]
    assert run.status is RunStatus.DEGRADED
    assert truth.fault_ids["blocked_once"] in stored_ids(tmp_path, "sandbox-bazaar")
    assert run.stats["thumbwatch/blocked"] == 1
    errors = {
        k.removeprefix("thumbwatch/errors/"): v
        for k, v in run.stats.items()
        if k.startswith("thumbwatch/errors/")
    }
    assert errors == {"http_500": 1, "http_404": 1, "malformed_page": 1, "timeout": 1, "total": 4}
    assert run.error == "4 error(s): http_404=1, http_500=1, malformed_page=1, timeout=1"
    failed_urls = {f["kind"]: f["url"] for f in run.stats["thumbwatch/failed_urls"]}
    assert set(failed_urls) == {"http_500", "http_404", "malformed_page", "timeout"}


def test_unreachable_site_fails_the_run_naming_the_url(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run_cli(
        tmp_path, "crawl", "sandbox_bazaar", "-a", f"base_url=http://127.0.0.1:{port}", "-s", "RETRY_TIMES=0"
    )
    assert result.returncode == 1
    run = runs(tmp_path)[-1]
    assert run.status is RunStatus.FAILED
    assert run.error is not None and f"could not reach http://127.0.0.1:{port}/" in run.error
    assert f"127.0.0.1:{port}" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["crawl", "no_such_spider"], "unknown spider 'no_such_spider'"),
        (["crawl", "sandbox_bazaar"], "base_url"),
        (["crawl", "sandbox_bazaar", "-a", "base_url=ftp://x"], "base_url"),
        (
            ["crawl", "sandbox_bazaar", "-a", "base_url=http://127.0.0.1:1", "-a", "max_pages=zero"],
            "max_pages",
        ),
        (["crawl", "sandbox_bazaar", "-a", "oops"], "bad -a 'oops': expected NAME=VALUE"),
    ],
)
def test_usage_errors_are_one_line_with_exit_code_2(args: list[str], message: str, tmp_path: Path) -> None:
    result = run_cli(tmp_path, *args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert runs_or_empty(tmp_path) == []


def runs_or_empty(home: Path) -> list[CrawlRun]:
    return runs(home) if (home / "thumbwatch.db").exists() else []


def test_bad_database_url_is_exit_code_2(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "hits", env={"THUMBWATCH_DATABASE_URL": "mysql://nobody@nowhere/x"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: unsupported database 'mysql' in 'mysql://nobody@nowhere/x': use sqlite or postgresql"
    ]


def test_scrapy_list_from_the_repository_root() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert result.stdout.split() == [
        "aliexpress",
        "amazon",
        "cdiscount",
        "dhgate",
        "ebay",
        "leboncoin",
        "sandbox_bazaar",
        "sandbox_jsmarket",
        "sandbox_shop",
        "shop",
    ]


def test_sandbox_command_serves_until_stopped(tmp_path: Path) -> None:
    import os
    import signal
    import urllib.request

    from tests.e2e_support import THUMBWATCH

    child = subprocess.Popen(
        [*THUMBWATCH, "sandbox", "--port", "0", "--listings", "30"],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "THUMBWATCH_HOME": str(tmp_path)},
    )
    try:
        assert child.stderr is not None
        line = child.stderr.readline()
        url = line.split("sandbox serving on ", 1)[1].split("/ ", 1)[0]
        with urllib.request.urlopen(f"{url}/robots.txt", timeout=10) as response:
            assert response.status == 200
        with urllib.request.urlopen(f"{url}/bazaar/search?q=mini", timeout=10) as response:
            assert b"result-card" in response.read()
    finally:
        child.send_signal(signal.SIGINT)
        child.wait(20)


@pytest.mark.browser
def test_demo_crawls_all_three_sites_and_prints_the_hits(tmp_path: Path, queries: list[str]) -> None:
    listings = generate_catalogue(SEED, 60)
    expected = sum(
        len(site_truth(listings, site, queries).hit_ids) for site in ("bazaar", "jsmarket", "shop")
    )
    result = run_cli(tmp_path, "demo", "--listings", "60", timeout=600)
    assert result.returncode == 0, result.stderr
    assert f"database: sqlite:///{tmp_path.resolve() / 'thumbwatch.db'}" in result.stderr
    assert "device_name" in result.stdout and "score" in result.stdout
    assert [r.status for r in runs(tmp_path)] == [RunStatus.OK] * 3
    hits = json.loads(run_cli(tmp_path, "hits", "--format", "json").stdout)
    assert len(hits) == expected
    assert {h["marketplace"] for h in hits} == {"sandbox-bazaar", "sandbox-jsmarket", "sandbox-shop"}
