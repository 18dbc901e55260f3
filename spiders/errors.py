"""Errors the spiders' parse functions raise."""

from __future__ import annotations


class MalformedPage(Exception):
    """A page lacks a field every listing must have (title, id): nothing is yielded for it."""

    def __init__(self, url: str, why: str) -> None:
        super().__init__(f"malformed page {url}: {why}")
        self.url = url
        self.why = why
