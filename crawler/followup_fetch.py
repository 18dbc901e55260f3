"""One polite HTTP fetch of a referred listing's page, kept whole for the evidence of removal.

The follow-up fetches a few dozen known URLs a day, so it uses the standard library rather than
a Scrapy crawl; it sends the same honest User-Agent, waits the configured download delay between
two requests to one host, and never raises for an HTTP or network error: a 404 is an answer to
judge, a timeout is a fetch that failed.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from storage.models import utcnow

Headers = tuple[tuple[str, str], ...]
MAX_BODY = 20 * 1024 * 1024


@dataclass(frozen=True)
class FetchedPage:
    url: str
    final_url: str
    status: int | None  # None: no HTTP answer at all (see `error`)
    request_headers: Headers
    response_headers: Headers
    body: bytes
    fetched_at: datetime
    error: str | None = None

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.response_headers if key.lower() == wanted), None)


Fetcher = Callable[[str], FetchedPage]


def fetch_page(
    url: str, user_agent: str, timeout: float, clock: Callable[[], datetime] = utcnow
) -> FetchedPage:
    """GET `url` following redirects; HTTP errors are answers, network errors are `error`."""
    request_headers: Headers = (("User-Agent", user_agent), ("Accept", "text/html,*/*;q=0.8"))
    request = urllib.request.Request(url, headers=dict(request_headers))
    fetched_at = clock()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return FetchedPage(
                url,
                response.geturl(),
                response.status,
                request_headers,
                tuple(response.headers.items()),
                response.read(MAX_BODY),
                fetched_at,
            )
    except urllib.error.HTTPError as answer:
        body = answer.read(MAX_BODY) if answer.fp is not None else b""
        headers = tuple(answer.headers.items()) if answer.headers else ()
        return FetchedPage(
            url, answer.geturl() or url, answer.code, request_headers, headers, body, fetched_at
        )
    except TimeoutError:
        error = f"timeout after {timeout:.0f}s"
    except urllib.error.URLError as exc:
        reason = exc.reason
        error = (
            f"timeout after {timeout:.0f}s" if isinstance(reason, TimeoutError) else f"unreachable: {reason}"
        )
    except (OSError, ValueError) as exc:  # reset connections, malformed URLs
        error = f"{type(exc).__name__}: {exc}"
    return FetchedPage(url, url, None, request_headers, (), b"", fetched_at, error)


class HostPacer:
    """Waits so that two requests to one host are at least `delay` seconds apart."""

    def __init__(
        self,
        delay: float,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.delay = delay
        self._sleep = sleep
        self._monotonic = monotonic
        self._last: dict[str, float] = {}

    def wait(self, url: str) -> None:
        host = urlsplit(url).netloc.lower()
        last = self._last.get(host)
        if last is not None:
            remaining = self.delay - (self._monotonic() - last)
            if remaining > 0:
                self._sleep(remaining)
        self._last[host] = self._monotonic()
