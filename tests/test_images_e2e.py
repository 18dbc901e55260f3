"""End-to-end: crawls of the sandbox store the flagged listings' image hashes and evidence, a
recrawl fetches and adds nothing, and `thumbwatch similar` finds exactly the listings that the
sandbox's ground truth says show the same photo, across sellers and sites; images that cannot be
fetched or decoded are recorded and counted without failing the run, and retried."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.config import get_settings
from evidence.store import EvidenceStore
from matching import load_catalog, search_queries
from sandbox import SandboxListing, SandboxServer, generate_catalogue, site_truth
from sandbox.photos import PhotoRef, photo_jpeg, photo_sharing
from storage import CrawlRun, Listing, Marketplace, RunStatus, create_db_engine, session_factory
from storage.images import similar_listings
from storage.models import ListingImage
from tests.e2e_support import db_url, run_cli, stored_ids

pytestmark = pytest.mark.e2e

SEED = 2025
SITES = {"bazaar": "sandbox-bazaar", "shop": "sandbox-shop"}
# Evidence screenshots start Chromium per listing: not what this test is about.
ENV = {"THUMBWATCH_EVIDENCE_SCREENSHOTS": "false", "THUMBWATCH_IMAGE_FETCH": "flagged"}

Key = tuple[str, str]  # (marketplace, external id)


def crawl(home: Path, site: str, url: str) -> CrawlRun:
    result = run_cli(home, "crawl", f"sandbox_{site}", "-a", f"base_url={url}", env=ENV)
    assert result.returncode == 0, result.stderr
    return last_run(home)


def last_run(home: Path) -> CrawlRun:
    with session_factory(create_db_engine(db_url(home)))() as session:
        run = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
    assert run is not None
    return run


def image_rows(home: Path) -> list[dict]:
    with session_factory(create_db_engine(db_url(home)))() as session:
        rows = session.execute(
            select(Marketplace.slug, Listing.external_id, Listing.id, ListingImage)
            .join(Listing, Listing.id == ListingImage.listing_id)
            .join(Marketplace, Marketplace.id == Listing.marketplace_id)
            .order_by(ListingImage.id)
        )
        return [
            {"key": (slug, external_id), "listing_id": listing_id, "image": image}
            for slug, external_id, listing_id, image in rows
        ]


def components(links: dict[Key, frozenset[Key]]) -> list[set[Key]]:
    """Connected components (of more than one listing) of the sharing relation."""
    seen: set[Key] = set()
    found = []
    for start in links:
        if start in seen or not links[start]:
            continue
        group, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node not in group:
                group.add(node)
                todo.extend(links[node])
        seen |= group
        found.append(group)
    return found


def keys_of(members: Iterable[dict]) -> set[Key]:
    return {(m["marketplace"], m["external_id"]) for m in members}


def test_crawls_hash_flagged_images_and_similar_finds_the_shared_photos(tmp_path: Path) -> None:
    catalogue = generate_catalogue(SEED)
    queries = search_queries(load_catalog())
    per_listing = get_settings().images_per_listing
    max_distance = get_settings().image_max_distance
    hits: dict[Key, SandboxListing] = {}
    for site, marketplace in SITES.items():
        hit_ids = site_truth(catalogue, site, queries).hit_ids
        by_id = {listing.id: listing for listing in catalogue if listing.site == site}
        hits.update({(marketplace, listing_id): by_id[listing_id] for listing_id in hit_ids})

    with SandboxServer(listings=catalogue, seed=SEED) as server:
        first = {site: crawl(tmp_path, site, server.url) for site in SITES}
        stored = image_rows(tmp_path)
        recrawl = crawl(tmp_path, "bazaar", server.url)
        base = server.url

    # Exactly the flagged listings' first images, each hashed, its bytes kept as evidence.
    for marketplace in SITES.values():
        flagged = {(marketplace, i) for i in stored_ids(tmp_path, marketplace, flagged_only=True)}
        assert flagged == {key for key in hits if key[0] == marketplace}
    expected = {
        (key, base + path) for key, listing in hits.items() for path in listing.image_urls[:per_listing]
    }
    assert {(row["key"], row["image"].url) for row in stored} == expected
    evidence = EvidenceStore(tmp_path / "evidence")
    for row in stored:
        image = row["image"]
        assert image.error is None and image.phash is not None and len(image.phash) == 16
        assert image.media_type == "image/jpeg" and 160 <= image.width <= 320 and 120 <= image.height <= 240
        assert image.sha256 is not None and evidence.digest_of(image.sha256) == image.sha256
        assert image.fetched_at.tzinfo is not None and image.crawl_run_id == first[_site(row["key"])].id
        assert image.position == hits[row["key"]].image_urls.index(image.url.removeprefix(base))
    for site, marketplace in SITES.items():
        count = sum(1 for row in stored if row["key"][0] == marketplace)
        assert first[site].stats["thumbwatch/images/fetched"] == count
        assert first[site].stats["thumbwatch/images/listings"] == sum(1 for k in hits if k[0] == marketplace)
        assert "thumbwatch/images/failed" not in first[site].stats

    # The recrawl fetches no image again and adds no row.
    bazaar_images = sum(1 for row in stored if row["key"][0] == "sandbox-bazaar")
    assert recrawl.stats["thumbwatch/images/already_hashed"] == bazaar_images
    assert "thumbwatch/images/fetched" not in recrawl.stats
    assert [(row["key"], row["image"].url, row["image"].fetched_at) for row in image_rows(tmp_path)] == [
        (row["key"], row["image"].url, row["image"].fetched_at) for row in stored
    ]

    # Near-identical images are exactly the shared photos of the ground truth.
    truth = photo_sharing({key: listing.photos[:per_listing] for key, listing in hits.items()})
    listing_ids = {row["key"]: row["listing_id"] for row in stored}
    keys = {listing_id: key for key, listing_id in listing_ids.items()}
    with session_factory(create_db_engine(db_url(tmp_path)))() as session:
        for key, listing_id in listing_ids.items():
            found = similar_listings(session, listing_id, max_distance)
            assert {keys[s.listing.listing_id] for s in found} == truth[key], key

    # A listing showing the same photo as listings of the other site, through the command line.
    cross_site = next((k for k, linked in truth.items() if {m for m, _ in linked} - {k[0]}), None)
    assert cross_site is not None
    result = run_cli(tmp_path, "similar", str(listing_ids[cross_site]), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert keys_of(json.loads(result.stdout)) == truth[cross_site]

    sellers = {key: (listing.site, listing.seller_id) for key, listing in hits.items()}
    expected_groups = [g for g in components(truth) if len({sellers[k] for k in g}) >= 2]
    result = run_cli(tmp_path, "similar", "--groups", "--format", "json")
    assert result.returncode == 0, result.stderr
    groups = json.loads(result.stdout)
    assert sorted(sorted(keys_of(g["members"])) for g in groups) == sorted(sorted(g) for g in expected_groups)
    assert all(g["sellers"] >= 2 and g["max_distance"] <= max_distance for g in groups)


def _site(key: Key) -> str:
    return next(site for site, marketplace in SITES.items() if marketplace == key[0])


def test_similar_refuses_bad_usage_with_exit_code_2(tmp_path: Path) -> None:
    for args, message in (
        (["similar"], "give either a LISTING_ID or --groups"),
        (["similar", "5", "--groups"], "give either a LISTING_ID or --groups"),
        (["similar", "12345"], "listing 12345 does not exist"),
    ):
        result = run_cli(tmp_path, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.strip().splitlines() == [f"error: {message}"]


class ImageHost:
    """A one-product web shop whose photos are a good JPEG, an HTML page and a dead link."""

    TITLE = "L8star BM10 mini phone, 68x28x13 mm, 350 mAh, 2G GSM, dual SIM"

    def __init__(self) -> None:
        photo = photo_jpeg(PhotoRef("stock/bm10/0", 0))
        self.routes: dict[str, tuple[str, bytes]] = {
            "/img/good.jpg": ("image/jpeg", photo),
            "/img/page.jpg": ("text/html", b"<!DOCTYPE html><html><body>Image moved</body></html>"),
        }
        self.requests: Counter[str] = Counter()
        routes, requests = self.routes, self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests[self.path] += 1
                kind, body = routes.get(self.path, ("text/html", b"<h1>Not found</h1>"))
                self.send_response(200 if self.path in routes else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        images = [f"{self.url}/img/{name}" for name in ("good.jpg", "page.jpg", "gone.jpg")]
        product = {
            "@context": "https://schema.org",
            "@type": "Product",
            "name": self.TITLE,
            "sku": "BM10-1",
            "image": images,
            "offers": {"@type": "Offer", "price": "24.90", "priceCurrency": "EUR"},
        }
        page = (
            f'<!DOCTYPE html><html><head><title>{self.TITLE}</title><script type="application/ld+json">'
            f"{json.dumps(product)}</script></head><body><h1>{self.TITLE}</h1></body></html>"
        )
        self.routes["/product/bm10.html"] = ("text/html; charset=utf-8", page.encode())

    def __enter__(self) -> ImageHost:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_failed_and_undecodable_images_are_recorded_counted_and_retried(tmp_path: Path) -> None:
    fast = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=0")
    with ImageHost() as host:
        start = f"start_url={host.url}/product/bm10.html"
        runs = []
        for _ in range(2):
            result = run_cli(
                tmp_path, "crawl", "shop", "-a", start, "-a", "follow_sitemaps=false", *fast, env=ENV
            )
            assert result.returncode == 0, result.stderr
            runs.append(last_run(tmp_path))
        requested = dict(host.requests)
    rows = {row["image"].url.rsplit("/", 1)[1]: row["image"] for row in image_rows(tmp_path)}
    assert sorted(rows) == ["gone.jpg", "good.jpg", "page.jpg"]
    assert rows["good.jpg"].phash is not None and rows["good.jpg"].error is None
    assert rows["page.jpg"].phash is None and rows["page.jpg"].sha256 is None
    assert rows["page.jpg"].error is not None and rows["page.jpg"].error.startswith(
        "undecodable: cannot identify"
    )
    assert (rows["gone.jpg"].phash, rows["gone.jpg"].error) == (None, "http_404")
    first, second = runs
    for run in runs:
        assert run.status is RunStatus.OK and run.error is None  # the listing was stored: not an error
        assert run.stats["thumbwatch/images/failed"] == run.stats["thumbwatch/images/failed/http_404"] == 1
        assert run.stats["thumbwatch/images/undecodable"] == 1
    assert first.stats["thumbwatch/images/fetched"] == 1
    assert second.stats["thumbwatch/images/already_hashed"] == 1
    # The hashed image is fetched once; the two that gave nothing are tried again by the recrawl.
    assert (requested["/img/good.jpg"], requested["/img/page.jpg"], requested["/img/gone.jpg"]) == (1, 2, 2)
