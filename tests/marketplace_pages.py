"""Saved real marketplace pages as Scrapy responses, for the marketplace parser tests."""

from __future__ import annotations

from pathlib import Path

from scrapy.http import HtmlResponse

from extraction import decode_html


def real_page(shared_dir: Path, name: str, url: str) -> HtmlResponse:
    """``realpages/<name>`` served at ``url``; any saved encoding (the DHgate page is UTF-16LE)."""
    text, _ = decode_html((shared_dir / "realpages" / name).read_bytes())
    return HtmlResponse(url=url, body=text.encode("utf-8"), encoding="utf-8")
