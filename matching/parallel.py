"""A helper process that scores part of a large `Matcher.score_many` batch on a second core.

The helper is a plain `python -c` child running `serve`, fed over its stdin/stdout pipes, not a
`multiprocessing` pool: spawn and forkserver re-run the caller's main script in the child (a
script without a `__main__` guard would start scoring there too), and forking the Scrapy process
would copy its reactor and threads. It is started on the first large batch only and reused until
the interpreter exits. Work goes out in blocks that the calling thread and a feeder thread take
in turn, so the split adapts to the helper's start-up time and to other load on the machine.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from matching.result import MatchResult, Reason

if TYPE_CHECKING:
    from matching.matcher import Matcher

__all__ = ["BLOCK", "Helper", "from_row", "serve", "to_row"]

logger = logging.getLogger(__name__)
BLOCK = 1_000  # listings per hand-over: big enough that pickling stays cheap per listing
Row = tuple[Any, ...]
Pair = tuple[str, str]


def to_row(result: MatchResult) -> Row:
    """A result as plain tuples (pickles far faster than the frozen dataclasses)."""
    return (
        result.score,
        result.tier,
        result.flagged,
        result.device_id,
        result.device_name,
        tuple((r.code, r.text, r.points, r.field, r.span, r.excerpt) for r in result.reasons),
    )


def from_row(row: Row, matcher_version: str, catalog_version: str) -> MatchResult:
    """The `MatchResult` that `to_row` flattened."""
    score, tier, flagged, device_id, device_name, reasons = row
    return MatchResult(
        score,
        tier,
        flagged,
        device_id,
        device_name,
        tuple(Reason(*r) for r in reasons),
        matcher_version,
        catalog_version,
    )


class Helper:
    """One helper process serving one matcher configuration (catalog + weights)."""

    def __init__(self, matcher: Matcher) -> None:
        root = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
        self._proc = subprocess.Popen(
            [sys.executable, "-c", "from matching.parallel import serve; serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=root,
        )
        self._lock = threading.Lock()
        self._send((matcher.catalog, matcher.weights))
        atexit.register(self.close)

    def _send(self, obj: object) -> None:
        stdin: IO[bytes] = self._proc.stdin  # type: ignore[assignment]
        pickle.dump(obj, stdin, protocol=pickle.HIGHEST_PROTOCOL)
        stdin.flush()

    def alive(self) -> bool:
        """False once the helper has exited (it is then replaced)."""
        return self._proc.poll() is None

    def close(self) -> None:
        """End the helper: it exits when its stdin closes."""
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            with contextlib.suppress(OSError):  # it is already gone
                self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()

    def score(
        self, pairs: Sequence[Pair], score_local: Callable[[Pair], MatchResult], versions: tuple[str, str]
    ) -> list[MatchResult] | None:
        """Results for `pairs` in order, scored here and in the helper; None if the helper is busy.

        `score_local` must score a pair exactly as the helper's own matcher does.
        """
        if not self._lock.acquire(blocking=False):
            return None  # another thread is using it: the caller scores serially
        try:
            blocks = [pairs[i : i + BLOCK] for i in range(0, len(pairs), BLOCK)]
            out: list[list[MatchResult] | None] = [None] * len(blocks)
            taken = [0]  # next block; the feeder takes from the end, this thread from the front
            end = [len(blocks)]
            guard = threading.Lock()
            failure: list[BaseException] = []

            def take() -> int | None:
                with guard:
                    if taken[0] >= end[0]:
                        return None
                    end[0] -= 1
                    return end[0]

            def feed() -> None:
                # One block in flight: a second one could fill both pipes and deadlock.
                try:
                    while (index := take()) is not None:
                        self._send(blocks[index])
                        rows = pickle.load(self._proc.stdout)  # type: ignore[arg-type]
                        out[index] = [from_row(row, *versions) for row in rows]
                except BaseException as exc:  # reported below; the blocks are scored here instead
                    failure.append(exc)

            feeder = threading.Thread(target=feed, name="thumbwatch-match-feeder", daemon=True)
            feeder.start()
            while True:
                with guard:
                    if taken[0] >= end[0]:
                        break
                    index = taken[0]
                    taken[0] += 1
                out[index] = [score_local(pair) for pair in blocks[index]]
            feeder.join()
            if failure:  # a dead helper costs speed, never results: finish its blocks here
                logger.warning("matching helper process failed: %r", failure[0])
                self.close()
            return [
                result
                for index, block in enumerate(out)
                for result in (block if block is not None else map(score_local, blocks[index]))
            ]
        finally:
            self._lock.release()


def serve() -> None:
    """The helper's main loop: a (catalog, weights) pair, then blocks of pairs until EOF."""
    from matching.matcher import Matcher

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    catalog, weights = pickle.load(stdin)
    matcher = Matcher(catalog, weights, parallel_min=None)
    while True:
        try:
            pairs = pickle.load(stdin)
        except EOFError:
            return
        rows = [to_row(matcher.score_listing(title, description)) for title, description in pairs]
        pickle.dump(rows, stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()
