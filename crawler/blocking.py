"""Recognising anti-bot and captcha pages, and backing off from them.

A marketplace that suspects a crawler answers with an interstitial ("Pardon Our
Interruption...", a slider captcha, "Robot Check") instead of the page, often with status 200.
Such a response must never be parsed as a listing: `detect_block` names what gave it away,
and `BlockDetectionMiddleware` counts it (``thumbwatch/blocked``), waits with exponential
backoff and retries the request; after the last retry the request is dropped and counted as
an error of kind ``blocked``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import IgnoreRequest

from crawler.failures import record_error

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

# Titles of interstitials served instead of the page (matched case-insensitively, whole title).
BLOCK_TITLES: tuple[str, ...] = (
    "pardon our interruption",
    "captcha interception",
    "robot check",
    "access denied",
    "attention required! | cloudflare",
    "just a moment...",
    "are you a robot?",
    "security check",
    "bot or not?",
    "verify you are human",
    "vérification de sécurité",
)
# Fragments of the body that only challenge pages carry.
BLOCK_MARKERS: tuple[str, ...] = (
    "/_____tmd_____/punish",
    "x5secdata",
    "nocaptcha/initialize",
    "/errors/validatecaptcha",
    "captcha-delivery.com",
    "px-captcha",
    "cf-chl-",
    "challenge-platform",
    "/rs/c/challenge-",
)
BLOCK_STATUSES = frozenset({429})
_TITLE = re.compile(rb"<title[^>]*>\s*(.*?)\s*</title>", re.IGNORECASE | re.DOTALL)
# Challenge pages are small or put their markers early; real product pages can be megabytes.
_SCAN_BYTES = 300_000


def detect_block(status: int, body: bytes) -> str | None:
    """Why this response is an anti-bot page, or None when it looks like a real page."""
    if status in BLOCK_STATUSES:
        return f"HTTP {status}"
    head = body[:_SCAN_BYTES]
    title_match = _TITLE.search(head)
    if title_match:
        title = title_match.group(1).decode("utf-8", "replace").strip().lower()
        if title in BLOCK_TITLES or title.rstrip(".… ") in BLOCK_TITLES:
            return f"block page titled {title_match.group(1).decode('utf-8', 'replace').strip()!r}"
    lowered = head.lower()
    for marker in BLOCK_MARKERS:
        if marker.encode() in lowered:
            return f"challenge marker {marker!r}"
    return None


class BlockDetectionMiddleware:
    """Downloader middleware: detect anti-bot pages, back off and retry, never pass them on."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.stats = crawler.stats
        self.max_retries = settings.getint("THUMBWATCH_BLOCK_RETRIES", 3)
        self.backoff = settings.getfloat("THUMBWATCH_BLOCK_BACKOFF", 30.0)
        self.backoff_max = settings.getfloat("THUMBWATCH_BLOCK_BACKOFF_MAX", 600.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        reason = detect_block(response.status, response.body)
        if reason is None:
            return response
        assert self.stats is not None
        self.stats.inc_value("thumbwatch/blocked")
        tries = int(request.meta.get("thumbwatch_block_retries", 0))
        if tries >= self.max_retries:
            record_error(self.stats, "blocked", request.url, reason)
            logger.warning("blocked at %s (%s); giving up after %d retries", request.url, reason, tries)
            raise IgnoreRequest(f"blocked: {reason}")
        delay = min(self.backoff * 2**tries, self.backoff_max)
        logger.info("blocked at %s (%s); retrying in %.1fs", request.url, reason, delay)
        await asyncio.sleep(delay)
        return request.replace(dont_filter=True, meta={**request.meta, "thumbwatch_block_retries": tries + 1})
