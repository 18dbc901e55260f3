"""The "jsmarket" site: pages are empty shells that an inline script fills from a JSON API.

A plain HTTP fetch of ``/jsmarket/search?q=&page=`` or ``/jsmarket/item/<id>`` sees no
listing data; in a browser the script fetches ``/jsmarket/api/search?q=&page=`` or
``/jsmarket/api/item/<id>``, builds the DOM with ``textContent`` only (never innerHTML) and
marks ``<body data-state="ready">`` (``"error"`` when the API failed), so a crawler waits for
``body[data-state]``. Error pages carry ``data-state="error"`` from the start.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from sandbox.catalogue import SandboxListing
from sandbox.search import PAGE_SIZE
from sandbox.sites.base import Site
from sandbox.sites.common import (
    Response,
    esc,
    html_page,
    json_response,
    not_found,
    page_number,
    paginate,
    photo,
    server_error,
)

SLOW_SECONDS = 5.0
_ERROR = ' data-state="error"'
_SCRIPT = """<script>
(function () {
  var app = document.getElementById("app");
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function done(state) { document.body.setAttribute("data-state", state); }
  function search(d) {
    app.appendChild(el("p", "result-count", d.total + " results"));
    var list = el("div", "cards"); list.id = "results";
    d.results.forEach(function (x) {
      var card = el("div", "card"); card.setAttribute("data-id", x.id);
      var a = el("a", "card-link"); a.setAttribute("href", x.url);
      a.appendChild(el("span", "card-title", x.title)); card.appendChild(a);
      card.appendChild(el("span", "card-price", x.price));
      var img = el("img", "card-image"); img.setAttribute("src", x.image); card.appendChild(img);
      list.appendChild(card);
    });
    app.appendChild(list);
    if (d.next) {
      var n = el("a", "next-page", "Next page"); n.id = "next-page";
      n.setAttribute("href", d.next); n.setAttribute("rel", "next"); app.appendChild(n);
    }
  }
  function item(d) {
    var art = el("article", "listing"); art.id = "listing"; art.setAttribute("data-id", d.id);
    if (d.title) art.appendChild(el("h1", "listing-title", d.title));
    art.appendChild(el("div", "listing-price", d.price));
    var store = el("a", "store-link", d.store.name); store.setAttribute("href", d.store.url);
    art.appendChild(store);
    var gallery = el("div", "gallery");
    d.images.forEach(function (u) {
      var i = el("img"); i.setAttribute("src", u); gallery.appendChild(i);
    });
    art.appendChild(gallery);
    var ship = el("div", "ship-from", "Ships from ");
    ship.appendChild(el("span", "country", d.ship_from)); art.appendChild(ship);
    var specs = el("dl", "specs");
    d.specs.forEach(function (p) {
      specs.appendChild(el("dt", null, p[0])); specs.appendChild(el("dd", null, p[1]));
    });
    art.appendChild(specs);
    var desc = el("div", "listing-description", d.description);
    desc.style.whiteSpace = "pre-line"; art.appendChild(desc);
    app.appendChild(art);
  }
  fetch(app.getAttribute("data-api"))
    .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
    .then(function (d) { (app.getAttribute("data-view") === "search" ? search : item)(d); done("ready"); })
    .catch(function (e) { app.appendChild(el("p", "error", String(e))); done("error"); });
})();
</script>"""


def _shell(title: str, view: str, api: str) -> Response:
    body = (
        f'<header><a href="/jsmarket/">JS Market</a></header>'
        f'<div id="app" data-view="{view}" data-api="{esc(api)}">'
        f"<noscript>JS Market needs JavaScript.</noscript></div>\n{_SCRIPT}"
    )
    return html_page(title, body)


class JsMarketSite(Site):
    name = "jsmarket"

    def handle(self, parts: list[str], params: Mapping[str, str]) -> Response:
        page = page_number(params.get("page"))
        match parts:
            case [] | [""]:
                return html_page("JS Market", "<h1>JS Market</h1>")
            case ["search"]:
                api = "/jsmarket/api/search?" + urlencode(self._search_params(params, page))
                return _shell("JS Market – search", "search", api)
            case ["item", listing_id]:
                return self.item_shell(listing_id)
            case ["api", "search"]:
                return self.api_search(params, page)
            case ["api", "item", listing_id]:
                return self.api_item(listing_id)
            case ["img", listing_id, filename] if filename.endswith(".jpg"):
                return photo(self.by_id.get(listing_id), filename.removesuffix(".jpg"))
        return not_found(body_attrs=_ERROR)

    @staticmethod
    def _search_params(params: Mapping[str, str], page: int) -> dict[str, str | int]:
        if params.get("seller"):
            return {"seller": params["seller"], "page": page}
        return {"q": params.get("q", ""), "page": page}

    def item_shell(self, listing_id: str) -> Response:
        listing = self.by_id.get(listing_id)
        if listing is None:
            return not_found("item", body_attrs=_ERROR)
        fault = self.fault(listing)
        if fault == "server_error":
            return server_error(body_attrs=_ERROR)
        shell = _shell("JS Market – item", "item", f"/jsmarket/api/item/{listing.id}")
        if fault == "slow":
            return Response(shell.status, shell.body, shell.content_type, delay=SLOW_SECONDS)
        return shell

    def api_search(self, params: Mapping[str, str], page: int) -> Response:
        seller = params.get("seller")
        results = self.seller_listings(seller) if seller else self.index.search(params.get("q", ""))
        shown, has_next = paginate(results, page, PAGE_SIZE[self.name])
        next_url = None
        if has_next:
            next_url = "/jsmarket/search?" + urlencode(self._search_params(params, page + 1))
        return json_response(
            {
                "page": page,
                "total": len(results),
                "next": next_url,
                "results": [self._card(listing) for listing in shown],
            }
        )

    def _card(self, listing: SandboxListing) -> dict[str, str]:
        return {
            "id": listing.id,
            "title": listing.title,
            "price": listing.price_display,
            "url": self.item_href(listing),
            "image": listing.image_urls[0],
        }

    def api_item(self, listing_id: str) -> Response:
        listing = self.by_id.get(listing_id)
        if listing is None:
            return json_response({"error": "not found"}, status=404)
        fault = self.fault(listing)
        if fault == "server_error":
            return json_response({"error": "internal"}, status=500)
        data = {
            "id": listing.id,
            "title": listing.title,
            "price": listing.price_display,
            "store": {
                "id": listing.seller_id,
                "name": listing.seller_name,
                "url": "/jsmarket/search?" + urlencode({"seller": listing.seller_id}),
            },
            "images": list(listing.image_urls),
            "ship_from": listing.ship_from,
            "specs": [[key, value] for key, value in listing.attributes.items()],
            "description": listing.description,
        }
        if fault == "malformed":
            del data["title"]
        return json_response(data)
