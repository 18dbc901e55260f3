"""What the three sandbox sites share: the response record, page frame, error pages, photos.

Every value that reaches HTML goes through `esc` (``html.escape`` with quotes), and JSON put
inside a ``<script>`` goes through `script_json`, so listing text cannot break a page.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from sandbox.photos import MEDIA_TYPE as PHOTO_MEDIA_TYPE
from sandbox.photos import photo_jpeg

if TYPE_CHECKING:
    from sandbox.catalogue import SandboxListing

HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Response:
    """One HTTP answer of the sandbox; `delay` seconds pass before it is sent."""

    status: int
    body: bytes
    content_type: str = HTML
    delay: float = 0.0
    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    cacheable: bool = True  # False for answers that change between requests


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def script_json(data: Any) -> str:
    """JSON safe to embed in a <script> element (no ``</script>``, no ``<!--``)."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def html_page(title: str, body: str, *, head: str = "", body_attrs: str = "", status: int = 200) -> Response:
    document = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title>{head}</head>\n<body{body_attrs}>\n{body}\n</body></html>\n"
    )
    return Response(status, document.encode("utf-8"))


def json_response(data: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), JSON)


def not_found(what: str = "page", body_attrs: str = "") -> Response:
    return html_page("Not found", f"<h1>404 – {esc(what)} not found</h1>", body_attrs=body_attrs, status=404)


def server_error(body_attrs: str = "") -> Response:
    return html_page(
        "Server error", "<h1>500 – Internal Server Error</h1>", body_attrs=body_attrs, status=500
    )


def block_page() -> Response:
    """An anti-bot interstitial in the style marketplaces use (served with status 200)."""
    page = html_page(
        "Pardon Our Interruption...",
        "<h1>Pardon Our Interruption</h1><p>Something about your browser made us think you were "
        "a bot. Please verify you are a human to continue.</p>",
    )
    return Response(page.status, page.body, page.content_type, cacheable=False)


def photo(listing: SandboxListing | None, number: str) -> Response:
    """The JPEG of `listing`'s image number `number` (1-based, as in its image URLs), or a 404."""
    if listing is None or not number.isdigit() or not 1 <= int(number) <= len(listing.photos):
        return not_found("image")
    # Not kept in the server's page cache: `photo_jpeg` has its own, bounded by distinct photos.
    return Response(200, photo_jpeg(listing.photos[int(number) - 1]), PHOTO_MEDIA_TYPE, cacheable=False)


def search_href(path: str, query: str, page: int) -> str:
    return f"{path}?{urlencode({'q': query, 'page': page})}"


def page_number(raw: str | None) -> int:
    """The ``page`` parameter: a positive int, 1 when absent or invalid."""
    try:
        value = int(raw or "1")
    except ValueError:
        return 1
    return max(1, value)


def paginate(items: list[Any], page: int, size: int) -> tuple[list[Any], bool]:
    start = (page - 1) * size
    return items[start : start + size], start + size < len(items)


def attribute_table(attributes: dict[str, str] | Any, css_class: str) -> str:
    rows = "".join(f"<tr><th>{esc(key)}</th><td>{esc(value)}</td></tr>" for key, value in attributes.items())
    return f'<table class="{css_class}">{rows}</table>'


def description_html(description: str) -> str:
    return "".join(f"<p>{esc(line)}</p>" for line in description.split("\n") if line.strip())
