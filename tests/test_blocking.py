"""Anti-bot page detection on the real saved block pages and on real product pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.blocking import detect_block


def test_real_block_pages_are_recognised(shared_dir: Path) -> None:
    blocked = shared_dir / "realpages" / "blocked"
    assert detect_block(200, (blocked / "ebay_pardon_our_interruption.html").read_bytes()) == (
        "block page titled 'Pardon Our Interruption...'"
    )
    assert detect_block(200, (blocked / "aliexpress_captcha_interception.html").read_bytes()) == (
        "block page titled 'Captcha Interception'"
    )


@pytest.mark.parametrize(
    "page",
    [
        "ebay/ebay_com_item_302474151804.html",
        "ebay/ebay_com_search_nike_shoes_2026.html",
        "amazon/amazon_fr_dp_B082QBCYY8.html",
        "amazon/amazon_es_search_god_of_war.html",
        "aliexpress/aliexpress_he_item_32993251330_iphone_se.html",
        "aliexpress/aliexpress_es_js_shell_empty_runparams.html",
        "leboncoin/leboncoin_search_voitures_toyota_camry_2024.html",
        "dhgate/dhgate_ie_item_1087570533_utf16le.html",
    ],
)
def test_real_listing_pages_are_not_taken_for_block_pages(shared_dir: Path, page: str) -> None:
    assert detect_block(200, (shared_dir / "realpages" / page).read_bytes()) is None


def test_status_and_markers() -> None:
    assert detect_block(429, b"<html><title>Shop</title></html>") == "HTTP 429"
    body = b"<html><head><title>x</title></head><script src='/_____tmd_____/punish?x'></script></html>"
    assert detect_block(200, body) == "challenge marker '/_____tmd_____/punish'"
    assert detect_block(200, b"<html><title>Robot check</title></html>") == "block page titled 'Robot check'"
    assert detect_block(200, b"<html><title>Robot check for beginners (book)</title></html>") is None
