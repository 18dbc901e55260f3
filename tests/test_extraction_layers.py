"""Each extraction layer on small hand-written pages, and the order in which layers fill fields."""

from __future__ import annotations

import json
from decimal import Decimal

from extraction import extract_page
from extraction.model import HEURISTIC, MARKETPLACE, META, STATE, STRUCTURED


def _jsonld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_jsonld_graph_with_nested_aggregate_offer() -> None:
    html = (
        "<html><head>"
        + _jsonld(
            {
                "@context": "https://schema.org",
                "@graph": [
                    {"@type": "WebSite", "name": "Shop"},
                    {
                        "@type": "Product",
                        "name": "Mini phone BM10",
                        "sku": "BM10-B",
                        "mpn": "M1",
                        "brand": {"@type": "Brand", "name": "Servo"},
                        "image": ["/i/1.jpg", "//cdn.x/2.jpg"],
                        "offers": {
                            "@type": "AggregateOffer",
                            "lowPrice": "19.90",
                            "priceCurrency": "EUR",
                            "offers": [
                                {"@type": "Offer", "availability": "http://schema.org/OutOfStock"},
                                {
                                    "@type": "Offer",
                                    "availability": "https://schema.org/InStock",
                                    "seller": {"@type": "Organization", "name": "ShopCo"},
                                },
                            ],
                        },
                        "additionalProperty": [{"@type": "PropertyValue", "name": "SIM", "value": "Dual"}],
                    },
                ],
            }
        )
        + "</head><body><h1>Other</h1></body></html>"
    )
    page = extract_page(html, url="https://shop.example/p/bm10")
    assert (page.title, page.price, page.currency, page.sku) == (
        "Mini phone BM10",
        Decimal("19.90"),
        "EUR",
        "BM10-B",
    )
    assert page.availability == "InStock"
    assert page.brand == "Servo" and page.seller == "ShopCo"
    assert page.images == ["https://shop.example/i/1.jpg", "https://cdn.x/2.jpg"]
    assert page.attributes == {"SIM": "Dual"}
    assert page.sources["price"] == STRUCTURED and page.sources["title"] == STRUCTURED


def test_price_specification_and_mpn_not_taken_as_sku() -> None:
    html = _jsonld(
        [
            {
                "@type": "Product",
                "name": "Pen phone",
                "sku": "GT-1",
                "mpn": "GT-1",
                "productID": "778899",
                "offers": [
                    {
                        "@type": "Offer",
                        "priceSpecification": {
                            "@type": "UnitPriceSpecification",
                            "price": 24.5,
                            "priceCurrency": "GBP",
                        },
                    }
                ],
            }
        ]
    )
    page = extract_page(html)
    assert (page.price, page.currency, page.sku) == (Decimal("24.5"), "GBP", "778899")


def test_microdata_product() -> None:
    html = """<div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">Key fob phone</h1>
    <span itemprop="sku">KF-7</span><div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
    <meta itemprop="price" content="12.00"><meta itemprop="priceCurrency" content="USD">
    <link itemprop="availability" href="https://schema.org/SoldOut"></div></div>"""
    page = extract_page(html)
    assert (page.title, page.price, page.currency, page.sku, page.availability) == (
        "Key fob phone",
        Decimal("12.00"),
        "USD",
        "KF-7",
        "OutOfStock",
    )


def test_item_list_gives_result_cards() -> None:
    html = _jsonld(
        {
            "@type": "ItemList",
            "itemListElement": [
                {
                    "@type": "ListItem",
                    "position": 1,
                    "item": {
                        "@type": "Product",
                        "name": "A",
                        "url": "/p/1?b=2&a=1",
                        "offers": {"price": "5", "priceCurrency": "EUR"},
                    },
                },
                {"@type": "ListItem", "position": 2, "url": "https://s.example/p/2", "name": "B"},
            ],
        }
    )
    page = extract_page(html, url="https://s.example/search?q=x")
    assert [(c.url, c.title, c.price) for c in page.results] == [
        ("https://s.example/p/1?a=1&b=2", "A", Decimal("5")),
        ("https://s.example/p/2", "B", None),
    ]
    assert page.sources["results"] == STRUCTURED


def test_meta_tags_fill_after_structured() -> None:
    html = (
        '<meta property="og:title" content="OG title">'
        '<meta property="product:price:amount" content="9.99">'
        '<meta property="product:price:currency" content="PLN">'
        '<meta property="og:image" content="/a.png">'
        '<meta property="product:availability" content="out of stock">'
        + _jsonld({"@type": "Product", "name": "LD title"})
    )
    page = extract_page(html, url="https://x.example/item")
    assert page.title == "LD title" and page.sources["title"] == STRUCTURED
    assert (page.price, page.currency, page.availability) == (Decimal("9.99"), "PLN", "OutOfStock")
    assert page.images == ["https://x.example/a.png"]
    assert page.sources["price"] == META


def test_next_data_ad_and_search_state() -> None:
    ad = {
        "props": {
            "pageProps": {
                "ad": {
                    "subject": "Mini téléphone",
                    "price": [35],
                    "list_id": 2611,
                    "owner": {"name": "Jean"},
                    "body": "Neuf",
                }
            }
        }
    }
    html = f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(ad)}</script>'
    page = extract_page(html, url="https://www.leboncoin.fr/ad/telephones/2611")
    assert (page.title, page.price, page.currency, page.sku, page.seller) == (
        "Mini téléphone",
        Decimal("35"),
        "EUR",
        "2611",
        "Jean",
    )
    assert page.sources["title"] == STATE and page.sources["currency"] == HEURISTIC

    ads = {
        "props": {
            "pageProps": {
                "searchData": {
                    "ads": [
                        {"subject": f"Ad {i}", "url": f"https://www.leboncoin.fr/ad/x/{i}", "price": [i]}
                        for i in range(3)
                    ]
                }
            }
        }
    }
    html = f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(ads)}</script>'
    page = extract_page(html, url="https://www.leboncoin.fr/recherche?text=x")
    assert [c.url for c in page.results] == [f"https://www.leboncoin.fr/ad/x/{i}" for i in range(3)]
    assert page.sources["results"] == STATE


def test_runparams_state() -> None:
    data = {
        "titleModule": {"subject": "BM30 mini"},
        "priceModule": {"formatedActivityPrice": "US $8.10"},
        "commonModule": {"productId": 100500},
        "storeModule": {"storeName": "Tiny Store"},
        "quantityModule": {"totalAvailQuantity": 0},
    }
    html = f"<script>window.runParams = {{ data: {json.dumps(data)}, csrfToken: 'x' }};</script>"
    page = extract_page(html, url="https://www.aliexpress.com/item/100500.html")
    assert (page.title, page.price, page.currency, page.sku, page.seller, page.availability) == (
        "BM30 mini",
        Decimal("8.10"),
        "USD",
        "100500",
        "Tiny Store",
        "OutOfStock",
    )


def test_marketplace_selectors_and_title_noise() -> None:
    html = (
        '<h1 class="x-item-title__mainTitle"><span>Mini phone</span></h1>'
        '<div class="x-price-primary"><span>EUR 14,50</span></div>'
        '<div class="x-sellercard-atf__info__about-seller"><a><span>seller1</span></a></div>'
    )
    page = extract_page(html, url="https://www.ebay.de/itm/123456789012?hash=x")
    assert (page.title, page.price, page.currency, page.sku, page.seller) == (
        "Mini phone",
        Decimal("14.50"),
        "EUR",
        "123456789012",
        "seller1",
    )
    assert page.sources["price"] == MARKETPLACE

    noisy = (
        '<div itemscope itemtype="http://schema.org/Product"><h1 itemprop="name">'
        "<span>Détails sur</span> Mini phone</h1></div>"
    )
    assert extract_page(noisy, url="https://www.ebay.fr/itm/123456789012").title == "Mini phone"


def test_heuristics_price_currency_availability_sku_attributes() -> None:
    html = """<html lang="de-DE"><body><div class="price">99,00</div><h1>Mini Handy</h1>
    <span class="old-price">129,00 €</span><span class="product-price">89,90</span>
    <p class="stock-info">Derzeit nicht verfügbar</p><p>Artikelnummer: AB-12345</p>
    <table class="specs"><tr><th>Gewicht</th><td>25 g</td></tr></table><dl><dt>SIM</dt><dd>Nano</dd></dl>
    </body></html>"""
    page = extract_page(html)
    assert (page.title, page.price, page.currency) == ("Mini Handy", Decimal("89.90"), "EUR")
    assert page.availability == "OutOfStock"
    assert page.sku == "AB-12345"
    assert page.attributes == {"Gewicht": "25 g", "SIM": "Nano"}
    assert {page.sources[f] for f in ("title", "price", "currency", "sku")} == {HEURISTIC}


def test_availability_words_in_several_languages() -> None:
    from extraction.values import availability_from_words

    assert [
        availability_from_words(w)
        for w in (
            "En stock",
            "Rupture de stock",
            "Auf Lager",
            "Nicht auf Lager",
            "Esaurito",
            "Disponible",
            "No disponible",
            "In stock",
            "Out of stock",
            "nicht verfügbar",
            "в наличии",
        )
    ] == [
        "InStock",
        "OutOfStock",
        "InStock",
        "OutOfStock",
        "OutOfStock",
        "InStock",
        "OutOfStock",
        "InStock",
        "OutOfStock",
        "OutOfStock",
        "InStock",
    ]


def test_search_page_heuristics_take_no_price() -> None:
    cards = "".join(
        f'<div data-component-type="s-search-result"><h2><a href="/x/dp/B00000000{i}/ref=1">'
        f'<span>Item {i}</span></a></h2><span class="a-price"><span class="a-offscreen">'
        f"₹{i}99</span></span></div>"
        for i in range(3)
    )
    page = extract_page(f"<h1>Results</h1>{cards}", url="https://www.amazon.in/s?k=x")
    assert [(c.url, c.price, c.currency) for c in page.results] == [
        (f"https://www.amazon.in/dp/B00000000{i}", Decimal(f"{i}99"), "INR") for i in range(3)
    ]
    assert page.price is None and page.sku is None


def test_to_dict_is_json_able() -> None:
    page = extract_page(_jsonld({"@type": "Product", "name": "P", "offers": {"price": "1.50"}}))
    data = json.loads(json.dumps(page.to_dict()))
    assert data["price"] == "1.50" and data["seller"] is None and data["sources"]["price"] == "structured"


_TILE = (
    '<div itemscope itemtype="https://schema.org/Product"><a itemprop="url" href="/p/{n}">'
    '<span itemprop="name">Phone {n}</span></a><div itemprop="offers" itemscope '
    'itemtype="https://schema.org/Offer"><meta itemprop="price" content="1{n}.00">'
    '<meta itemprop="priceCurrency" content="EUR"></div></div>'
)


def test_several_top_level_microdata_products_are_result_cards() -> None:
    html = "<html><body><h1>Phones</h1>" + "".join(_TILE.format(n=n) for n in range(3)) + "</body></html>"
    page = extract_page(html, url="https://shop.example/phones/")
    assert [card.to_dict() for card in page.results] == [
        {"title": f"Phone {n}", "url": f"https://shop.example/p/{n}", "price": f"1{n}.00", "currency": "EUR"}
        for n in range(3)
    ]
    assert (page.listing, page.is_product, page.price, page.sku, page.sources["results"]) == (
        True,
        False,
        None,
        None,
        STRUCTURED,
    )


def test_several_top_level_jsonld_products_are_result_cards() -> None:
    html = "".join(
        _jsonld(
            {
                "@type": "Product",
                "name": f"Case {n}",
                "url": f"/c/{n}",
                "offers": {"price": f"{n}.50", "priceCurrency": "GBP"},
            }
        )
        for n in (1, 2)
    )
    page = extract_page(html, url="https://shop.example/cases/")
    assert [(c.url, c.title, c.price) for c in page.results] == [
        ("https://shop.example/c/1", "Case 1", Decimal("1.50")),
        ("https://shop.example/c/2", "Case 2", Decimal("2.50")),
    ]
    assert page.is_product is False


def test_product_with_related_products_at_top_level_stays_a_product() -> None:
    # The page's own Product links to the page (or not at all): the others are related items.
    html = _jsonld(
        {
            "@type": "Product",
            "name": "Case 1",
            "url": "https://shop.example/c/1",
            "offers": {"price": "1.50", "priceCurrency": "GBP"},
        }
    ) + _jsonld(
        {
            "@type": "Product",
            "name": "Case 2",
            "url": "/c/2",
            "offers": {"price": "2.50", "priceCurrency": "GBP"},
        }
    )
    page = extract_page(html, url="https://shop.example/c/1")
    assert (page.title, page.price, page.results, page.is_product) == ("Case 1", Decimal("1.50"), [], True)


def test_og_type_product_makes_a_product_page_without_a_price() -> None:
    html = (
        '<html><head><meta property="og:type" content="Product"></head>'
        "<body><h1>Handmade bowl</h1></body></html>"
    )
    page = extract_page(html, url="https://shop.example/bowl")
    assert (page.og_type, page.price, page.is_product) == ("product", None, True)
    assert extract_page("<h1>Handmade bowl</h1>").is_product is False


def test_title_skips_placeholders_leading_prices_and_site_names() -> None:
    html = (
        "<html><head><title>Oak desk lamp... From &amp;Price; | Lumo</title>"
        '<meta property="og:title" content="€19.99 -40% | Oak desk lamp with brass foot - Lumo">'
        '<meta property="og:site_name" content="Lumo"></head>'
        "<body><h1>Oak desk lamp with brass foot</h1></body></html>"
    )
    page = extract_page(html, url="https://www.lumo.fr/lamp")
    assert (page.title, page.sources["title"]) == ("Oak desk lamp with brass foot", HEURISTIC)


def test_title_drops_a_site_suffix_and_prefers_the_h1_it_truncates() -> None:
    html = (
        '<meta property="og:title" content="Oak desk lamp with brass foot | Lumo">'
        "<h1>Oak desk lamp with brass foot</h1>"
    )
    assert extract_page(html, url="https://www.lumo.fr/lamp").title == "Oak desk lamp with brass foot"
    html = (
        '<meta property="og:title" content="Oak desk lamp with bra…">'
        "<h1>Oak desk lamp with brass foot, 40 cm</h1>"
    )
    assert extract_page(html, url="https://www.lumo.fr/lamp").title == "Oak desk lamp with brass foot, 40 cm"
    # Extra words that are not the site or a price are the specific part: the longer title stays.
    html = '<meta property="og:title" content="Oak desk lamp - 40 cm"><h1>Oak desk lamp</h1>'
    assert extract_page(html, url="https://www.lumo.fr/lamp").title == "Oak desk lamp - 40 cm"


def test_amazon_seller_from_the_merchant_phrase() -> None:
    for phrase, seller in [
        ("Expédié et vendu par Amazon.", "Amazon"),
        ("Ships from and sold by Gadget Hub.", "Gadget Hub"),
        ("Verkauf und Versand durch Foo GmbH.", "Foo GmbH"),
    ]:
        html = f'<span id="productTitle">Kettle</span><div id="merchant-info">{phrase}</div>'
        page = extract_page(html, url="https://www.amazon.fr/dp/B000000001")
        assert (page.seller, page.sources["seller"]) == (seller, MARKETPLACE)
