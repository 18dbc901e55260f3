"""End-to-end: the `shop` spider crawls the local test shop through the real CLI in a child
process and stores exactly its products, without touching a trap."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from spiders.parsing.shop_generic import url_id
from storage import CrawlRun, RunStatus, create_db_engine, session_factory
from tests.e2e_support import db_url, row_counts, run_cli, stored_ids
from tests.shopsite import TRAP_PATHS, ShopSite, shop_products

pytestmark = pytest.mark.e2e

MARKETPLACE = "127.0.0.1"
FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")
CATEGORY_PAGES = [
    "/category/phones/",
    "/category/phones/page/2/",
    "/category/phones/page/3/",
    "/category/accessories/",
    "/category/accessories/?page=2",
]


@pytest.fixture
def shop() -> Iterator[ShopSite]:
    with ShopSite() as site:
        yield site


def expected_ids(base: str, sitemaps: bool) -> set[str]:
    return {p.sku or url_id(base + p.path) for p in shop_products() if sitemaps or p.category}


def last_run(home: Path) -> CrawlRun:
    with session_factory(create_db_engine(db_url(home)))() as session:
        run = session.query(CrawlRun).order_by(CrawlRun.id.desc()).first()
        assert run is not None
        return run


def crawl(home: Path, shop: ShopSite, *arguments: str) -> None:
    shop.clear()
    result = run_cli(home, "crawl", "shop", "-a", f"start_url={shop.url}/", *arguments, *FAST)
    assert result.returncode == 0, result.stderr


def test_shop_crawl_finds_exactly_the_products_and_no_trap(shop: ShopSite, tmp_path: Path) -> None:
    crawl(tmp_path, shop)
    ids = expected_ids(shop.url, sitemaps=True)
    assert len(ids) == 14
    assert stored_ids(tmp_path, MARKETPLACE) == ids
    first = row_counts(tmp_path)
    assert first["listings"] == first["snapshots"] == 14

    products = [p.path for p in shop_products()]
    probes = [
        "/robots.txt",
        "/sitemap.xml",
        "/sitemap_index.xml",
        "/sitemap_products.xml",
        "/sitemap_more.xml.gz",
    ]
    # robots.txt twice: once by Scrapy's robots.txt middleware, once by the spider for sitemaps.
    assert shop.requested_paths() == Counter(
        {"/robots.txt": 2}
        | dict.fromkeys(
            [*probes[1:], "/", "/about.html", *CATEGORY_PAGES, *products, "/product/discontinued-model.html"],
            1,
        )
    )
    assert not set(shop.requested_paths()) & set(TRAP_PATHS)
    assert shop.requested_hosts() == {"127.0.0.1"}

    run = last_run(tmp_path)
    assert (run.status, run.error) == (RunStatus.OK, None)
    assert run.stats["thumbwatch/shop/product_pages"] == 14
    assert run.stats["thumbwatch/shop/not_found"] == 2  # /sitemap.xml and the dead link

    crawl(tmp_path, shop)
    assert row_counts(tmp_path) == first
    assert last_run(tmp_path).stats["thumbwatch/snapshots_created"] == 0


def test_shop_crawl_without_sitemaps_finds_the_linked_products(shop: ShopSite, tmp_path: Path) -> None:
    crawl(tmp_path, shop, "-a", "follow_sitemaps=false")
    assert stored_ids(tmp_path, MARKETPLACE) == expected_ids(shop.url, sitemaps=False)
    assert row_counts(tmp_path)["listings"] == 12
    requested = shop.requested_paths()
    assert not {path for path in requested if "sitemap" in path}
    assert not set(requested) & set(TRAP_PATHS)


def test_shop_crawl_stops_at_max_pages(shop: ShopSite, tmp_path: Path) -> None:
    crawl(tmp_path, shop, "-a", "max_pages=5", "-a", "follow_sitemaps=false")
    # Scrapy's own robots.txt fetch is not the spider's request; the spider made exactly five.
    assert sum(shop.requested_paths().values()) - shop.requested_paths()["/robots.txt"] == 5
    assert last_run(tmp_path).stats["thumbwatch/shop/page_limit_reached"] == 1
