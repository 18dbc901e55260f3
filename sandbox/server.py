"""The sandbox HTTP server: the three sites and ``/robots.txt`` on one port.

A minimal HTTP/1.1 server on ``asyncio.start_server`` with keep-alive: one event loop
answers every connection, so a slow page (``await asyncio.sleep``) holds up nobody, and
rendered answers are cached by request target (the sites are deterministic), which keeps
the server far ahead of a Scrapy crawl. `SandboxServer` runs it in a background thread for
tests; `run_sandbox` runs it in the foreground for ``thumbwatch sandbox``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from http import HTTPStatus
from types import TracebackType
from urllib.parse import parse_qsl, unquote, urlsplit

from sandbox.catalogue import DEFAULT_LISTINGS, DEFAULT_SEED, SandboxListing, generate_catalogue
from sandbox.sites.base import Site
from sandbox.sites.bazaar import BazaarSite
from sandbox.sites.common import Response, not_found
from sandbox.sites.jsmarket import JsMarketSite
from sandbox.sites.shop import ShopSite

logger = logging.getLogger(__name__)

ROBOTS_TXT = b"User-agent: *\nAllow: /\n"
CACHE_ENTRIES = 20_000
_MAX_HEAD = 64 * 1024


class SandboxApp:
    """Routes a request target to a site and caches the answers."""

    def __init__(self, catalogue: Sequence[SandboxListing], faults: bool = False) -> None:
        self.sites: dict[str, Site] = {
            site.name: site(catalogue, faults) for site in (BazaarSite, JsMarketSite, ShopSite)
        }
        self._cache: OrderedDict[str, Response] = OrderedDict()

    def respond(self, target: str) -> Response:
        cached = self._cache.get(target)
        if cached is not None:
            self._cache.move_to_end(target)
            return cached
        response = self._route(target)
        if not response.cacheable:
            return response
        self._cache[target] = response
        if len(self._cache) > CACHE_ENTRIES:
            self._cache.popitem(last=False)
        return response

    def _route(self, target: str) -> Response:
        split = urlsplit(target)
        if split.path == "/robots.txt":
            return Response(200, ROBOTS_TXT, "text/plain; charset=utf-8")
        parts = [unquote(part) for part in split.path.split("/")[1:]]
        site = self.sites.get(parts[0]) if parts else None
        if site is None:
            return not_found()
        params = dict(parse_qsl(split.query))
        return site.handle(parts[1:], params)


def _encode(response: Response, keep_alive: bool, head_only: bool) -> bytes:
    reason = HTTPStatus(response.status).phrase
    lines = [
        f"HTTP/1.1 {response.status} {reason}",
        f"Content-Type: {response.content_type}",
        f"Content-Length: {len(response.body)}",
        f"Connection: {'keep-alive' if keep_alive else 'close'}",
        "Cache-Control: no-store",
        *(f"{name}: {value}" for name, value in response.headers),
    ]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if head_only else head + response.body


class SandboxServer:
    """The sandbox on ``host:port`` (port 0 picks a free one); `start` serves in a thread."""

    def __init__(
        self,
        listings: int | Sequence[SandboxListing] = DEFAULT_LISTINGS,
        seed: int = DEFAULT_SEED,
        faults: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.catalogue: list[SandboxListing] = (
            generate_catalogue(seed, listings) if isinstance(listings, int) else list(listings)
        )
        self.seed = seed
        self.faults = faults
        self.host = host
        self.port = port
        self.app = SandboxApp(self.catalogue, faults)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                method, target, version = request_line.split(" ", 2)
                headers = {}
                for line in header_lines:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                if length:
                    await reader.readexactly(length)
                if method not in {"GET", "HEAD"}:
                    response = Response(405, b"method not allowed", "text/plain")
                else:
                    response = self.app.respond(target)
                if response.delay:
                    await asyncio.sleep(response.delay)
                keep_alive = (
                    version.strip() == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
                )
                writer.write(_encode(response, keep_alive, method == "HEAD"))
                await writer.drain()
                if not keep_alive:
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            pass
        except Exception:  # a bug in a page must not take the server down
            logger.exception("sandbox request failed")
        finally:
            writer.close()

    async def _serve(self, ready: Callable[[], None]) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._handle, self.host, self.port, limit=_MAX_HEAD)
        self.port = server.sockets[0].getsockname()[1]
        ready()
        async with server:
            await self._stop.wait()

    def start(self) -> SandboxServer:
        """Serve in a background thread; returns once the port is bound."""
        started = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            try:
                self._loop.run_until_complete(self._serve(started.set))
            except BaseException as exc:  # reported to the starting thread
                errors.append(exc)
                started.set()
            finally:
                self._loop.close()

        self._thread = threading.Thread(target=run, name="sandbox-server", daemon=True)
        self._thread.start()
        started.wait()
        if errors:
            raise errors[0]
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def serve_forever(self, on_ready: Callable[[str], None] | None = None) -> None:
        """Serve in this thread until interrupted; `on_ready` gets the URL once bound."""

        def ready() -> None:
            if on_ready is not None:
                on_ready(self.url)

        try:
            asyncio.run(self._serve(ready))
        except KeyboardInterrupt:
            return

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def run_sandbox(
    host: str = "127.0.0.1",
    port: int = 8800,
    seed: int = DEFAULT_SEED,
    listings: int = DEFAULT_LISTINGS,
    faults: bool = False,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the sandbox in the foreground until Ctrl-C (for ``thumbwatch sandbox``)."""
    SandboxServer(listings=listings, seed=seed, faults=faults, host=host, port=port).serve_forever(on_ready)
