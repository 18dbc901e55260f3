"""The sandbox: deterministic catalogue, ground truth, search semantics and the HTTP sites."""

from __future__ import annotations

import dataclasses
import http.client
import json
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import pytest

from crawler.normalise import parse_price
from sandbox import (
    SITES,
    SandboxListing,
    SandboxServer,
    SearchIndex,
    fault_plan,
    generate_catalogue,
    site_truth,
)
from sandbox.search import tokens
from sandbox.texts import KINDS


@pytest.fixture(scope="module")
def catalogue() -> list[SandboxListing]:
    return generate_catalogue()


@pytest.fixture(scope="module")
def server(catalogue: list[SandboxListing]) -> Iterator[SandboxServer]:
    with SandboxServer(listings=catalogue, faults=True) as running:
        yield running


def fetch(server: SandboxServer, path: str) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def test_same_seed_same_catalogue_other_seed_other() -> None:
    assert generate_catalogue(7, 300) == generate_catalogue(7, 300)
    assert [x.id for x in generate_catalogue(8, 300)] != [x.id for x in generate_catalogue(7, 300)]


def test_default_catalogue_covers_both_sides_on_every_site(catalogue: list[SandboxListing]) -> None:
    assert len(catalogue) == 150
    for site in SITES:
        own = [x for x in catalogue if x.site == site]
        assert any(x.is_hit for x in own) and any(not x.is_hit for x in own)
    hit_languages = Counter(x.language for x in catalogue if x.is_hit)
    assert hit_languages["en"] > 10 and hit_languages["fr"] > 5
    kinds = Counter(x.kind for x in catalogue)
    assert kinds["named-model"] > 10 and kinds["unnamed-mini"] > 5


def test_scales_to_fifty_thousand_listings() -> None:
    started = time.perf_counter()
    big = generate_catalogue(2025, 50_000)
    assert time.perf_counter() - started < 15
    assert len(big) == 50_000
    assert len({x.id for x in big}) == 50_000
    share = Counter(x.site for x in big)
    assert abs(share["bazaar"] / 50_000 - 0.5) < 0.02
    assert abs(share["jsmarket"] / 50_000 - 0.3) < 0.02
    assert abs(share["shop"] / 50_000 - 0.2) < 0.02


def test_ground_truth_is_consistent() -> None:
    listings = generate_catalogue(11, 3000)
    assert {x.kind for x in listings} == set(KINDS)
    for listing in listings:
        assert listing.is_hit == KINDS[listing.kind][1]
        assert (listing.family is not None) == listing.is_hit
        assert listing.title and listing.description
        assert "\n\n" not in listing.description
        assert parse_price(listing.price_display) == (listing.price, listing.currency)
        assert listing.price > Decimal(0)
        assert listing.image_urls and all(url.startswith(f"/{listing.site}/") for url in listing.image_urls)
    named = [x for x in listings if x.kind == "named-model" and x.family == "bm10"]
    assert all("BM10" in x.title for x in named)


def test_search_tokens_fold_case_and_accents() -> None:
    assert tokens("Mini TÉLÉPHONE, 68×28×13mm") == {"mini", "telephone", "68", "28", "13mm"}


def test_search_matches_every_token_in_catalogue_order(catalogue: list[SandboxListing]) -> None:
    own = [x for x in catalogue if x.site == "bazaar"]
    index = SearchIndex(own)
    for query in ("mini phone", "Mini Téléphone", "bm10", "zanco tiny t1", "nothing-here"):
        expected = [x for x in own if tokens(query) <= tokens(f"{x.title}\n{x.description}")]
        assert index.search(query) == expected
    assert index.search("telephone") == index.search("TÉLÉPHONE")
    assert index.search("") == own


def test_site_truth_leaves_out_reached_faults(catalogue: list[SandboxListing]) -> None:
    queries = ["mini phone", "mini téléphone"]
    clean = site_truth(catalogue, "bazaar", queries)
    faulty = site_truth(catalogue, "bazaar", queries, faults=True)
    plan = fault_plan(catalogue, "bazaar")
    assert clean.listed_ids == clean.matched_ids and clean.fault_ids == {}
    assert faulty.fault_ids == plan
    lost = {plan[kind] for kind in ("server_error", "malformed", "broken_link", "slow")}
    assert faulty.listed_ids == clean.listed_ids - lost
    assert plan["blocked_once"] in faulty.listed_ids
    assert faulty.hit_ids == {i for i in faulty.listed_ids if next(x for x in catalogue if x.id == i).is_hit}
    one_page = site_truth(catalogue, "bazaar", ["mini phone"], max_pages=1)
    assert len(one_page.matched_ids) == 20


def test_robots_and_keep_alive(server: SandboxServer) -> None:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    for _ in range(3):
        connection.request("GET", "/robots.txt")
        response = connection.getresponse()
        assert response.status == 200
        assert response.read() == b"User-agent: *\nAllow: /\n"
    connection.close()


def test_bazaar_pages(server: SandboxServer, catalogue: list[SandboxListing]) -> None:
    status, content_type, body = fetch(server, "/bazaar/search?q=mini+phone&page=1")
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    assert body.count(b'class="result-card"') == 20
    assert b'rel="next" href="/bazaar/search?q=mini+phone&amp;page=2"' in body
    listing = next(
        x for x in catalogue if x.site == "bazaar" and x.id not in server.app.sites["bazaar"].faults
    )
    status, _, body = fetch(server, listing.path)
    assert status == 200
    text = body.decode("utf-8")
    assert f'<h1 class="item-title">{listing.title}' in text.replace("&#x27;", "'")
    assert listing.price_display in text
    assert fetch(server, f"/bazaar/seller/{listing.seller_id}")[0] == 200
    assert fetch(server, "/bazaar/item/000")[0] == 404
    assert fetch(server, "/bazaar/seller/nobody")[0] == 404
    assert fetch(server, "/nowhere")[0] == 404


def test_faults_on_every_site(server: SandboxServer, catalogue: list[SandboxListing]) -> None:
    for site in SITES:
        plan = fault_plan(catalogue, site)
        by_id = {x.id: x for x in catalogue}
        assert fetch(server, by_id[plan["server_error"]].path)[0] == 500
        broken = server.app.sites[site].item_href(by_id[plan["broken_link"]])
        assert broken.endswith("-gone")
        assert fetch(server, broken)[0] == 404
        assert server.app.respond(by_id[plan["slow"]].path).delay == 5.0
        assert server.app.respond(by_id[plan["malformed"]].path).status == 200
    malformed = by_id_of(catalogue, fault_plan(catalogue, "bazaar")["malformed"])
    assert b"item-title" not in fetch(server, malformed.path)[2]


def test_bazaar_serves_an_anti_bot_page_once(server: SandboxServer, catalogue: list[SandboxListing]) -> None:
    from crawler.blocking import detect_block

    challenged = by_id_of(catalogue, fault_plan(catalogue, "bazaar")["blocked_once"])
    status, _, first = fetch(server, challenged.path)
    assert detect_block(status, first) == "block page titled 'Pardon Our Interruption...'"
    status, _, second = fetch(server, challenged.path)
    assert detect_block(status, second) is None and b"item-title" in second


def by_id_of(catalogue: list[SandboxListing], listing_id: str) -> SandboxListing:
    return next(x for x in catalogue if x.id == listing_id)


def test_no_faults_without_the_flag(catalogue: list[SandboxListing]) -> None:
    with SandboxServer(listings=catalogue) as clean:
        for site in SITES:
            for listing_id in fault_plan(catalogue, site).values():
                assert fetch(clean, by_id_of(catalogue, listing_id).path)[0] == 200
                assert clean.app.respond(by_id_of(catalogue, listing_id).path).delay == 0


def test_jsmarket_shell_and_api(server: SandboxServer, catalogue: list[SandboxListing]) -> None:
    plan = fault_plan(catalogue, "jsmarket")
    listing = next(x for x in catalogue if x.site == "jsmarket" and x.id not in plan.values())
    status, _, shell = fetch(server, listing.path)
    assert status == 200
    assert listing.title.encode() not in shell and b'data-api="/jsmarket/api/item/' in shell
    status, content_type, body = fetch(server, f"/jsmarket/api/item/{listing.id}")
    data = json.loads(body)
    assert (status, content_type) == (200, "application/json; charset=utf-8")
    assert (data["title"], data["price"]) == (listing.title, listing.price_display)
    assert "title" not in json.loads(fetch(server, f"/jsmarket/api/item/{plan['malformed']}")[2])
    results = json.loads(fetch(server, "/jsmarket/api/search?q=mini&page=1")[2])
    truth = site_truth(catalogue, "jsmarket", ["mini"])
    assert results["total"] == len(truth.matched_ids)
    assert results["next"] == "/jsmarket/search?q=mini&page=2"
    status, _, body = fetch(server, "/jsmarket/item/404404")
    assert status == 404 and b'data-state="error"' in body


def test_shop_pages(server: SandboxServer, catalogue: list[SandboxListing]) -> None:
    plan = fault_plan(catalogue, "shop")
    listing = next(x for x in catalogue if x.site == "shop" and x.id not in plan.values())
    body = fetch(server, listing.path)[2].decode("utf-8")
    raw = body.split('<script type="application/ld+json">')[1].split("</script>")[0]
    product = json.loads(raw)
    assert product["@type"] == "Product" and product["name"] == listing.title
    assert product["offers"]["price"] == str(listing.price)
    assert product["offers"]["priceCurrency"] == listing.currency
    assert fetch(server, f"/shop/category/{listing.category}?page=1")[0] == 200
    assert fetch(server, "/shop/category/unknown")[0] == 404
    assert fetch(server, "/shop/product/no-such-product")[0] == 404


def test_everything_is_escaped(catalogue: list[SandboxListing]) -> None:
    nasty = '<script>alert("x")</script> & </script><!--'
    shop_item = next(x for x in catalogue if x.site == "shop")
    bazaar_item = next(x for x in catalogue if x.site == "bazaar")
    listings = [
        dataclasses.replace(bazaar_item, title=nasty, seller_name=nasty, attributes={nasty: nasty}),
        dataclasses.replace(shop_item, title=nasty, description=nasty),
    ]
    with SandboxServer(listings=listings) as running:
        for listing in listings:
            text = fetch(running, listing.path)[2].decode("utf-8")
            assert "<script>alert" not in text
            assert text.count("</script>") == (1 if listing.site == "shop" else 0)
        search = fetch(running, "/bazaar/search?q=%3Cb%3Ex")[2].decode("utf-8")
        assert "<b>x" not in search and "&lt;b&gt;x" in search
