"""The `shop` spider's arguments: start URLs (inline or from a file) and its crawl bounds.

Arguments arrive as strings from ``-a NAME=VALUE``; pydantic validates and converts them once,
and the CLI calls the same validation before it spawns a crawl, so a bad URL or a bad line in
a URL file is a usage error naming the file and line, not a failed run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from crawler.normalise import canonical_url
from spiders.base import SpiderArgumentError


def http_url(value: str) -> str:
    """`value` as a canonical http(s) URL; ValueError otherwise."""
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {value.strip()!r}")
    return canonical_url(value.strip())


def read_url_file(path: Path) -> tuple[str, ...]:
    """One URL a line; blank lines and ``#`` comments ignored; errors name ``file:line``."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    urls = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            urls.append(http_url(text))
        except ValueError as exc:
            raise ValueError(f"{path}:{number}: {exc}") from None
    return tuple(urls)


class ShopSpiderArguments(BaseModel):
    """What ``thumbwatch crawl shop -a ...`` accepts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start_url: tuple[str, ...] = Field(default=(), description="start URL(s), comma-separated")
    start_urls_file: Path | None = Field(default=None, description="file of start URLs, one a line")
    max_depth: int = Field(default=4, ge=0, le=50, description="link hops from a start URL")
    max_pages: int = Field(default=500, ge=1, description="requests in all, sitemaps included")
    follow_sitemaps: bool = Field(default=True, description="read robots.txt and sitemap.xml")

    @field_validator("start_url", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            return value
        return tuple(http_url(str(item)) for item in items if str(item).strip())

    @model_validator(mode="after")
    def _some_start_url(self) -> ShopSpiderArguments:
        if not self.start_url and self.start_urls_file is None:
            raise ValueError("give start_url=URL[,URL...] or start_urls_file=PATH")
        return self

    @property
    def start_urls(self) -> tuple[str, ...]:
        """Every start URL, inline ones first, duplicates dropped."""
        from_file = read_url_file(self.start_urls_file) if self.start_urls_file else ()
        return tuple(dict.fromkeys((*self.start_url, *from_file)))


def validate_shop_arguments(spider: str, raw: Mapping[str, Any]) -> ShopSpiderArguments:
    """Validated arguments (the URL file read and checked too), or `SpiderArgumentError`."""
    try:
        arguments = ShopSpiderArguments.model_validate(dict(raw))
        if not arguments.start_urls:
            raise ValueError(f"{arguments.start_urls_file}: no start URL in the file")
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'arguments'}: {error['msg']}"
            for error in exc.errors()
        )
        raise SpiderArgumentError(f"invalid arguments for spider {spider}: {problems}") from exc
    except ValueError as exc:
        raise SpiderArgumentError(f"invalid arguments for spider {spider}: {exc}") from exc
    return arguments
