"""A helper for tests of what must not wait for SQLite's write lock (page views, idle polls)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def while_write_locked(database: str | Path, work: Callable[[], T], seconds: float = 10) -> T:
    """`work()`, run while another connection holds the write lock of the SQLite file `database`
    (as a crawl storing a batch does); AssertionError if it waits for the lock instead of ending
    within `seconds` (the busy timeout is far longer)."""
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    done: list[T] = []
    try:
        worker = threading.Thread(target=lambda: done.append(work()))
        worker.start()
        worker.join(seconds)
        assert not worker.is_alive(), "it waited for the write lock"
    finally:
        writer.rollback()
        writer.close()
    assert done, "it failed (see the thread's exception above)"
    return done[0]
