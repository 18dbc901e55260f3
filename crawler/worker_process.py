"""A worker process for a pipeline's work that would otherwise hold the crawl's GIL.

The reactor parses pages on the crawl process's one Python thread; database writes and evidence
building run beside it in processes of their own, so they use the machine's other cores instead
of taking turns with the reactor. Each `WorkerProcess` starts on first use (spawned, never
forked: the crawl process runs threads and a reactor) and runs its calls one at a time, in the
order they were made, with the garbage collector set for bulk work (`settle_heap`). The
functions it runs, their arguments and results must pickle.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from matching.speedups import settle_heap

logger = logging.getLogger(__name__)

T = TypeVar("T")


class WorkerProcess:
    """One worker process, started on first use; a crashed one is replaced on the next call."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._pool: ProcessPoolExecutor | None = None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=settle_heap
            )
        pool = self._pool
        try:
            return await asyncio.wrap_future(pool.submit(fn, *args))
        except BrokenProcessPool:
            logger.error("the %s worker process died; starting a new one for the next call", self.name)
            if self._pool is pool:
                self._pool = None
            pool.shutdown(wait=False)
            raise

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
