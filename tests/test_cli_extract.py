"""`thumbwatch extract`: the layered extractor on saved pages, one JSON line per file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e_support import run_cli

PRODUCT = """<html lang="fr"><head><meta charset="iso-8859-1"><title>x</title>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Product",
"name": "Mini t\xe9l\xe9phone BM10", "sku": "BM10-NOIR",
"offers": {"@type": "Offer", "price": "19.90", "priceCurrency": "EUR",
"availability": "https://schema.org/InStock"}}</script></head><body><h1>Mini</h1></body></html>"""


def test_extract_files_in_several_encodings(tmp_path: Path, shared_dir: Path) -> None:
    latin = tmp_path / "shop.html"
    latin.write_bytes(PRODUCT.encode("iso-8859-1"))
    dhgate = shared_dir / "realpages" / "dhgate" / "dhgate_ie_item_1087570533_utf16le.html"
    result = run_cli(tmp_path, "extract", str(latin), str(dhgate), "--url", "https://shop.test/p/1")
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert (first["file"], first["title"], first["price"], first["currency"], first["sku"]) == (
        str(latin),
        "Mini téléphone BM10",
        "19.90",
        "EUR",
        "BM10-NOIR",
    )
    assert first["availability"] == "InStock"
    assert (second["price"], second["currency"], second["sku"]) == ("4.36", "USD", "1087570533")


def test_extract_names_an_unreadable_file(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "extract", str(tmp_path / "missing.html"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: cannot read {tmp_path / 'missing.html'}")
