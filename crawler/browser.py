"""What the crawl's browser (Chromium through scrapy-playwright) may load.

Listings are read from the rendered DOM, so images, fonts and media are aborted before they
load: it keeps browser crawls fast and light on the sites. Evidence capture, which needs a
faithful screenshot, switches this off with ``THUMBWATCH_BROWSER_LOAD_MEDIA``.
"""

from __future__ import annotations

from playwright.async_api import Request as PlaywrightRequest

BLOCKED_RESOURCE_TYPES = frozenset({"image", "font", "media"})


def abort_heavy_request(request: PlaywrightRequest) -> bool:
    """``PLAYWRIGHT_ABORT_REQUEST`` predicate: True for the resources a crawl never needs."""
    return request.resource_type in BLOCKED_RESOURCE_TYPES
