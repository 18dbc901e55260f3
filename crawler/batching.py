"""Gathering per-item work from the reactor into batches run off it.

Item pipelines process one item per coroutine, but handing each item to a worker thread or
process on its own costs a wake-up of that worker and of the reactor per item, and with them
a hand-over of the GIL. `Batcher` collects the items that arrive within ``delay`` seconds (at
most ``size`` of them), runs them as one call, and gives each waiting coroutine its own result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Batcher(Generic[T, R]):
    """Runs ``run(batch)`` for batches of submitted items; ``submit`` awaits one item's result.

    ``run`` must return one outcome per item, in order; an outcome that is an exception is
    raised to that item's caller, and an exception raised by ``run`` itself to every caller
    of the batch.
    """

    def __init__(
        self,
        run: Callable[[list[T]], Awaitable[Sequence[R | BaseException]]],
        size: int,
        delay: float,
    ) -> None:
        if size < 1:
            raise ValueError(f"batch size must be >= 1, got {size}")
        if delay < 0:
            raise ValueError(f"batch delay must be >= 0, got {delay}")
        self._run = run
        self.size = size
        self.delay = delay
        self._pending: list[T] = []
        self._batch: asyncio.Future[Sequence[R | BaseException]] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()

    async def submit(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        if self._batch is None:
            self._batch = loop.create_future()
            loop.call_later(self.delay, self.flush)
        batch, index = self._batch, len(self._pending)
        self._pending.append(item)
        if len(self._pending) >= self.size:
            self.flush()
        outcome = (await batch)[index]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def flush(self) -> None:
        """Start running what is pending now (a no-op when nothing is)."""
        if not self._pending or self._batch is None:
            return
        items, batch = self._pending, self._batch
        self._pending, self._batch = [], None
        task = asyncio.ensure_future(self._settle(items, batch))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _settle(self, items: list[T], batch: asyncio.Future[Sequence[R | BaseException]]) -> None:
        try:
            outcomes = await self._run(items)
            if len(outcomes) != len(items):
                raise RuntimeError(f"a batch of {len(items)} items gave {len(outcomes)} outcomes")
        except asyncio.CancelledError:
            batch.cancel()
            raise
        except Exception as exc:
            batch.set_exception(exc)
            # Retrieved here so an exception no caller awaits is not reported as "never retrieved".
            batch.exception()
            return
        batch.set_result(outcomes)

    async def drain(self) -> None:
        """Run what is pending and wait for every batch still running."""
        self.flush()
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)
