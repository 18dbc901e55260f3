"""Marketplace spiders offline: listing ids from URLs, arguments, search URLs, query expansion."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from matching import load_catalog
from matching.terms import SEARCH_TERMS, VOCAB
from matching.text import fold
from spiders.aliexpress import AliexpressSpider
from spiders.amazon import AmazonSpider
from spiders.cdiscount import CdiscountSpider
from spiders.common import SpiderArgumentError
from spiders.dhgate import DhgateSpider
from spiders.ebay import EbaySpider
from spiders.leboncoin import LeboncoinSpider
from spiders.marketplace import MarketplaceSpider
from spiders.parsing import aliexpress, amazon, cdiscount, dhgate, ebay, leboncoin
from spiders.queries import LOCALE_TERMS, QueryConfigError, catalog_queries, site_queries


@pytest.mark.parametrize(
    ("reader", "url", "expected"),
    [
        (ebay.external_id, "https://www.ebay.co.uk/itm/143863282131?hash=item1", "143863282131"),
        (ebay.external_id, "http://www.ebay.com/itm/Wicker-Sofa-/381228738769", "381228738769"),
        (ebay.external_id, "https://www.ebay.com/sch/i.html?_nkw=x", None),
        (amazon.external_id, "https://www.amazon.de/dp/B00BRMIU7A", "B00BRMIU7A"),
        (amazon.external_id, "https://www.amazon.fr/Some-Name/dp/B082QBCYY8/ref=sr_1_1", "B082QBCYY8"),
        (amazon.external_id, "https://www.amazon.com/gp/product/B01GOH7PKA", "B01GOH7PKA"),
        (amazon.external_id, "https://www.amazon.es/s?k=dp", None),
        (aliexpress.external_id, "https://he.aliexpress.com/item/32993251330.html?spm=1", "32993251330"),
        (aliexpress.external_id, "https://www.aliexpress.com/w/wholesale-mini-phone.html", None),
        (dhgate.external_id, "https://ie.dhgate.com/product/skin-scraping/1087570533.html", "1087570533"),
        (
            leboncoin.external_id,
            "https://www.leboncoin.fr/ad/telephones_objets_connectes/2615899319",
            "2615899319",
        ),
        (leboncoin.external_id, "https://www.leboncoin.fr/telephones/1587765432.htm", "1587765432"),
        (leboncoin.external_id, "https://www.leboncoin.fr/recherche?text=mini", None),
        (
            cdiscount.external_id,
            "https://www.cdiscount.com/telephonie/mini-tel/f-1440402-auc2009876543.html",
            "auc2009876543",
        ),
    ],
)
def test_external_id_from_url(reader, url: str, expected: str | None) -> None:
    assert reader(url) == expected


def test_arguments_defaults_and_domains() -> None:
    args = EbaySpider.validate_arguments({"domains": "ebay.fr, co.uk,www.ebay.de", "max_pages": "2"})
    assert args.domains == ("ebay.fr", "ebay.co.uk", "ebay.de")
    assert (args.max_pages, args.locale, args.queries) == (2, None, None)
    assert EbaySpider.validate_arguments({}).max_pages == 5


@pytest.mark.parametrize(
    ("spider", "raw", "message"),
    [
        (
            EbaySpider,
            {"domains": "ebay.xx"},
            "domains: Value error, unknown domain 'ebay.xx' (known: ebay.com,",
        ),
        (AmazonSpider, {"domains": "amazon.fr,ebay.fr"}, "unknown domain 'ebay.fr'"),
        (EbaySpider, {"max_pages": "0"}, "max_pages: Input should be greater than or equal to 1"),
        (EbaySpider, {"locale": "xx"}, "locale: Value error, unknown locale 'xx'"),
        (EbaySpider, {"terms_file": "/nonexistent/terms.yaml"}, "terms_file: Value error, no such file"),
        (EbaySpider, {"queries": " , "}, "queries: Value error, must name"),
        (EbaySpider, {"domain": "ebay.fr"}, "domain: Extra inputs"),
    ],
)
def test_invalid_arguments(spider: type[MarketplaceSpider], raw: dict[str, str], message: str) -> None:
    with pytest.raises(SpiderArgumentError, match=f"invalid arguments for spider {spider.name}") as error:
        spider.validate_arguments(raw)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("spider", "domain", "page", "url"),
    [
        (EbaySpider, "ebay.co.uk", 1, "https://www.ebay.co.uk/sch/i.html?_nkw=mini+phone"),
        (EbaySpider, "ebay.de", 3, "https://www.ebay.de/sch/i.html?_nkw=mini+phone&_pgn=3"),
        (AmazonSpider, "amazon.it", 2, "https://www.amazon.it/s?k=mini+phone&page=2"),
        (AliexpressSpider, "aliexpress.com", 1, "https://www.aliexpress.com/w/wholesale-mini-phone.html"),
        (
            AliexpressSpider,
            "fr.aliexpress.com",
            2,
            "https://fr.aliexpress.com/w/wholesale-mini-phone.html?page=2",
        ),
        (
            DhgateSpider,
            "dhgate.com",
            2,
            "https://www.dhgate.com/wholesale/search.do?searchkey=mini+phone&pageNum=2",
        ),
        (LeboncoinSpider, "leboncoin.fr", 1, "https://www.leboncoin.fr/recherche?text=mini+phone"),
        (CdiscountSpider, "cdiscount.com", 2, "https://www.cdiscount.com/search/10/mini+phone.html?page=2"),
    ],
)
def test_search_url(spider: type[MarketplaceSpider], domain: str, page: int, url: str) -> None:
    assert spider.search_url(domain, "mini phone", page) == url


def test_search_url_escapes_accents() -> None:
    assert (
        EbaySpider.search_url("ebay.fr", "mini téléphone")
        == "https://www.ebay.fr/sch/i.html?_nkw=mini+t%C3%A9l%C3%A9phone"
    )


async def _start_urls(spider: MarketplaceSpider) -> list[tuple[str, dict[str, object]]]:
    return [(request.url, request.cb_kwargs) async for request in spider.start()]


def test_start_searches_each_domain_in_its_locale() -> None:
    import asyncio

    spider = EbaySpider.from_crawler(get_crawler(EbaySpider), domains="ebay.fr,ebay.de", max_queries="2")
    requests = asyncio.run(_start_urls(spider))
    assert [url for url, _ in requests] == [
        "https://www.ebay.fr/sch/i.html?_nkw=mini+t%C3%A9l%C3%A9phone",
        "https://www.ebay.fr/sch/i.html?_nkw=mini+t%C3%A9l%C3%A9phone+portable",
        "https://www.ebay.de/sch/i.html?_nkw=Mini+Handy",
        "https://www.ebay.de/sch/i.html?_nkw=kleinstes+Handy",
    ]
    assert requests[0][1] == {"domain": "ebay.fr", "query": "mini téléphone", "page": 1}


def test_marketplaces_and_defaults() -> None:
    assert EbaySpider.marketplace_for("ebay.co.uk") == "ebay.co.uk"
    assert AliexpressSpider.marketplace_for("fr.aliexpress.com") == "aliexpress.com"
    assert DhgateSpider.marketplace_for("fr.dhgate.com") == "dhgate.com"
    spider = AliexpressSpider.from_crawler(get_crawler(AliexpressSpider))
    assert spider.domains == ("aliexpress.com",)
    meta = spider.request_meta()
    assert meta["playwright"] is True
    assert "playwright_include_page" not in meta
    for polite in ("DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED", "ROBOTSTXT_OBEY"):
        for cls in (
            EbaySpider,
            AmazonSpider,
            AliexpressSpider,
            DhgateSpider,
            LeboncoinSpider,
            CdiscountSpider,
        ):
            assert polite not in (cls.custom_settings or {})


def test_catalog_queries_are_deduplicated() -> None:
    queries = catalog_queries(load_catalog())
    assert queries[:6] == ["Zanco tiny t1", "Tiny T1", "Zanco T1", "Zanco tiny t2", "Tiny T2", "Zanco T2"]
    assert "BM10" in queries and "BM 10" not in queries and "BM-10" not in queries
    assert "key fob phone" not in queries


@pytest.mark.parametrize("locale", sorted(set(LOCALE_TERMS) - {"intl"}))
def test_site_queries_per_locale(locale: str) -> None:
    catalog = load_catalog()
    queries = site_queries(catalog, locale)
    terms = list(LOCALE_TERMS[locale])
    assert queries[: len(terms)] == terms
    assert queries[len(terms) :] == catalog_queries(catalog)
    assert site_queries(catalog, locale, limit=2) == terms[:2]


def test_site_queries_examples() -> None:
    catalog = load_catalog()
    assert site_queries(catalog, "de", limit=3) == ["Mini Handy", "kleinstes Handy", "Mini Telefon"]
    es = list(LOCALE_TERMS["es"])
    queries = site_queries(catalog, "es", ["  mini   MÓVIL ", "bm 30", "teléfono  pulgar"])
    assert queries[: len(es) + 2] == [*es, "bm 30", "teléfono pulgar"]
    assert "BM30" not in queries and "BM 30" not in queries
    # The matcher's terms, where "minimóvil" is the same search as "mini móvil".
    intl = [term for term in SEARCH_TERMS if term != "minimóvil"]
    assert site_queries(catalog, "intl", limit=len(intl)) == intl
    with pytest.raises(ValueError, match="unknown locale 'xx'"):
        site_queries(catalog, "xx")


def test_every_term_is_matcher_evidence() -> None:
    wanted = {"mini_phone", "bt_dialer", "risk_smallest", "keyfob"}
    for locale, terms in LOCALE_TERMS.items():
        for term in terms:
            found = {name for name, spans in VOCAB.scan(fold(term)).items() if spans}
            assert found & wanted, (locale, term)


def test_terms_file_adds_or_replaces(tmp_path: Path) -> None:
    catalog = load_catalog()
    yaml_file = tmp_path / "terms.yaml"
    yaml_file.write_text("terms:\n  fr: [téléphone pouce, mini téléphone]\n", encoding="utf-8")
    fr = list(LOCALE_TERMS["fr"])
    assert site_queries(catalog, "fr", terms_file=yaml_file, limit=len(fr) + 1) == [*fr, "téléphone pouce"]
    toml_file = tmp_path / "terms.toml"
    toml_file.write_text('replace = true\n[terms]\nde = ["Knasthandy"]\n', encoding="utf-8")
    assert site_queries(catalog, "de", terms_file=toml_file, limit=1) == ["Knasthandy"]
    assert site_queries(catalog, "fr", terms_file=toml_file, limit=1) == fr[:1]
    bad = tmp_path / "bad.yaml"
    bad.write_text("terms:\n  xx: [a]\n", encoding="utf-8")
    with pytest.raises(QueryConfigError, match="unknown locale 'xx'"):
        site_queries(catalog, "fr", terms_file=bad)
