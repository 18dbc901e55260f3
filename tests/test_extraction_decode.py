"""Decoding saved and fetched page bytes: BOMs, HTTP charsets, meta declarations, detection."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from extraction.decode import decode_html
from extraction.files import ExtractionFileError, extract_files, read_page_file


def test_utf16le_with_bom() -> None:
    body = codecs.BOM_UTF16_LE + "<html><h1>Téléphone</h1></html>".encode("utf-16-le")
    assert decode_html(body) == ("<html><h1>Téléphone</h1></html>", "utf-16-le")


def test_utf8_bom_beats_meta() -> None:
    body = codecs.BOM_UTF8 + '<meta charset="iso-8859-1">prix 19,99 €'.encode()
    assert decode_html(body)[0] == '<meta charset="iso-8859-1">prix 19,99 €'


def test_http_charset_wins_over_meta() -> None:
    body = '<meta charset="utf-8">Preis: 5 €'.encode("cp1252")
    assert decode_html(body, "text/html; charset=windows-1252") == (
        '<meta charset="utf-8">Preis: 5 €',
        "cp1252",
    )


def test_meta_charset_declared() -> None:
    body = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">Телефон'.encode(
        "cp1251"
    )
    assert decode_html(body)[0].endswith("Телефон")


def test_saved_utf8_page_keeps_stale_latin1_meta() -> None:
    body = '<meta charset="iso-8859-1"><p>café</p>'.encode()
    assert decode_html(body) == ('<meta charset="iso-8859-1"><p>café</p>', "utf-8")


def test_undeclared_latin1_is_detected() -> None:
    assert decode_html("<p>café</p>".encode("cp1252")) == ("<p>café</p>", "cp1252")


def test_dhgate_utf16le_page(shared_dir: Path) -> None:
    path = shared_dir / "realpages/dhgate/dhgate_ie_item_1087570533_utf16le.html"
    text, encoding = decode_html(path.read_bytes())
    assert encoding == "utf-16-le"
    assert text.startswith('<!DOCTYPE html><html lang="IE">')


def test_unreadable_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.html"
    with pytest.raises(ExtractionFileError, match=r"nope\.html"):
        read_page_file(missing)
    with pytest.raises(ExtractionFileError, match=r"nope\.html"):
        list(extract_files([missing]))


def test_extract_files_gives_every_field(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_bytes(codecs.BOM_UTF16_LE + "<html><h1>Mini phone X</h1></html>".encode("utf-16-le"))
    (row,) = extract_files([page], url="https://shop.example/p/123456")
    assert row["file"] == str(page)
    assert row["title"] == "Mini phone X"
    assert row["sku"] == "123456"
    assert row["price"] is None and row["results"] is None and row["seller"] is None
