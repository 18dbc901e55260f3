"""Saves the sandbox pages the parsing tests read (run once: ``python tests/data/sandbox/save_pages.py``).

Pages come from a sandbox with the default seed and catalogue size; the jsmarket pages are
saved both as served (the empty shell) and as rendered by Chromium through Playwright.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

from sandbox import SandboxServer

HERE = Path(__file__).parent


def pick(server: SandboxServer, site: str, kind: str, language: str) -> str:
    listing = next(
        x
        for x in server.catalogue
        if x.site == site and x.kind == kind and x.language == language and len(x.image_urls) >= 2
    )
    return listing.path


def main() -> None:
    with SandboxServer() as server:
        pages = {
            "bazaar_search_p1.html": "/bazaar/search?q=mini+phone&page=1",
            "bazaar_search_p2.html": "/bazaar/search?q=mini+phone&page=2",
            "bazaar_item.html": pick(server, "bazaar", "named-model", "fr"),
            "shop_search.html": "/shop/search?q=mini&page=1",
            "shop_category.html": "/shop/category/gadgets?page=1",
            "shop_product.html": pick(server, "shop", "named-model", "en"),
            "jsmarket_item_shell.html": pick(server, "jsmarket", "unnamed-mini", "en"),
        }
        for name, path in pages.items():
            with urllib.request.urlopen(server.url + path) as response:
                (HERE / name).write_bytes(response.read())
        rendered = {
            "jsmarket_search_rendered.html": "/jsmarket/search?q=mini&page=1",
            "jsmarket_search_p2_rendered.html": "/jsmarket/search?q=mini&page=2",
            "jsmarket_item_rendered.html": pages["jsmarket_item_shell.html"],
        }
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page()
            for name, path in rendered.items():
                page.goto(server.url + path)
                page.wait_for_selector("body[data-state]")
                (HERE / name).write_text(page.content(), encoding="utf-8")
            browser.close()
        pages.update(rendered)
        (HERE / "pages.json").write_text(json.dumps(pages, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
