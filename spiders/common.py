"""What every thumbwatch spider shares: argument errors and parsing, text responses, errbacks.

`SandboxSpider` and `MarketplaceSpider` both build on these, so a bad ``-a`` argument reads
the same and a failed request is counted the same whichever site it came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import scrapy
from pydantic import BaseModel, ValidationError
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.failures import record_request_failure
from spiders.errors import MalformedPage

ArgumentsT = TypeVar("ArgumentsT", bound=BaseModel)


class SpiderArgumentError(ValueError):
    """A spider argument is missing or invalid."""


def split_csv(value: object) -> object:
    """A ``-a name=a,b`` string as a tuple of its non-blank parts (pydantic ``before`` hook)."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        return value
    parts = tuple(str(item).strip() for item in items if str(item).strip())
    if not parts:
        raise ValueError("must name at least one value")
    return parts


def validate_spider_arguments(spider_name: str, model: type[ArgumentsT], raw: Mapping[str, Any],
                              context: dict[str, Any] | None = None) -> ArgumentsT:
    """``model`` validated from ``raw``, or `SpiderArgumentError` naming each bad argument."""
    try:
        return model.model_validate(dict(raw), context=context)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'arguments'}: {error['msg']}"
            for error in exc.errors()
        )
        raise SpiderArgumentError(f"invalid arguments for spider {spider_name}: {problems}") from exc


def text_response(response: Response) -> TextResponse:
    if not isinstance(response, TextResponse):
        raise MalformedPage(response.url, "not a text page")
    return response


class ErrbackMixin:
    """The errback every request gets: the failure is counted in the crawl's stats."""

    crawler: Any

    def on_error(self, failure: Failure) -> None:
        request: scrapy.Request | None = getattr(failure, "request", None)
        record_request_failure(self.crawler.stats, failure, request.url if request is not None else "")
