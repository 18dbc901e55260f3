"""Helper processes, one per core but one, that work through a large batch with the caller: a
`Matcher.score_many` batch ("score" blocks) or `thumbwatch match`'s JSON lines ("lines" blocks).

A helper is a plain `python -c` child running `serve`, fed over its stdin/stdout pipes, not a
`multiprocessing` pool: spawn and forkserver re-run the caller's main script in the child (a
script without a `__main__` guard would start scoring there too), and forking the Scrapy process
would copy its reactor and threads. Helpers are started on the first large batch only and reused
until the interpreter exits.

The calling thread scores blocks too, from the front of the batch while the helpers take them
from the back: a result that crosses a pipe costs both processes pickling and the parent
rebuilding it, so the parent's own core does better scoring than feeding a helper of its own (one
helper per core made the parent a third busy process on a two-core machine). Each helper has two
blocks in flight, so a parent busy scoring never keeps it waiting, and it reads its stdin in a
thread of its own, so the parent's writes never block on a helper busy writing results.

Messages are length-prefixed pickles moved in one `write` and as few `read`s as the pipe allows
(pipes are enlarged to hold a block where the OS lets us). Each blocking call releases the GIL,
and a thread that wants it back waits for the busy scoring thread's switch interval (5 ms):
`pickle.load` on a pipe made dozens of such calls per block and left the helper idle.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import logging
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from matching.result import MatchResult, Reason, ReasonRow, make_result, reason

if TYPE_CHECKING:
    from matching.matcher import Matcher

__all__ = [
    "BLOCK",
    "Helper",
    "HelperPool",
    "ReasonTable",
    "decode_block",
    "read_message",
    "serve",
    "write_message",
]

logger = logging.getLogger(__name__)
BLOCK = 500  # listings per hand-over: big enough that pickling stays cheap per listing
IN_FLIGHT = 2  # blocks sent to a helper ahead of its results
MAX_HELPERS = 4
REASON_TABLE_LIMIT = 200_000
Row = tuple[Any, ...]
Pair = tuple[str, str]
_LENGTH = struct.Struct("<Q")
_PIPE_BYTES = 1 << 20


def _enlarge_pipe(fd: int) -> None:
    """Let a pipe hold a whole block (Linux; elsewhere it keeps its size, which is only slower)."""
    with contextlib.suppress(ImportError, AttributeError, OSError):
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)  # type: ignore[attr-defined]


def write_message(fd: int, obj: object) -> None:
    """Pickle `obj` to `fd`, length first, in one write where the pipe has room."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_LENGTH.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def read_message(raw: io.RawIOBase) -> Any:
    """The next object `write_message` sent; EOFError when the writer has closed the pipe."""
    (length,) = _LENGTH.unpack(_read_exact(raw, _LENGTH.size))
    return pickle.loads(_read_exact(raw, length))


def _read_exact(raw: io.RawIOBase, size: int) -> bytearray:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        n = raw.readinto(view[got:])
        if not n:
            raise EOFError("matching helper pipe closed")
        got += n
    return buffer


class ReasonTable:
    """Reasons crossing a pipe once: a helper sends each distinct reason's fields the first time
    and its number after that; the parent keeps the list (most reasons recur, and rebuilding them
    from fields cost the parent more than anything else it does for a helper's listing).

    Bounded: past `limit` reasons the helper starts a new table and says so in its next block.
    """

    def __init__(self, limit: int = REASON_TABLE_LIMIT) -> None:
        self.limit = limit
        self._numbers: dict[int, int] = {}  # id(reason) -> number; `_kept` keeps the ids valid
        self._kept: list[Reason] = []

    def encode(self, results: Sequence[MatchResult]) -> tuple[bool, list[ReasonRow], list[Row]]:
        """(new table?, fields of reasons not sent before, one row per result)."""
        reset = len(self._kept) >= self.limit
        if reset:
            self._numbers.clear()
            self._kept.clear()
        numbers, kept = self._numbers, self._kept
        new: list[ReasonRow] = []
        rows: list[Row] = []
        for result in results:
            refs = []
            for r in result.reasons:
                number = numbers.get(id(r))
                if number is None:
                    number = numbers[id(r)] = len(kept)
                    kept.append(r)
                    new.append((r.code, r.text, r.points, r.field, r.span, r.excerpt))
                refs.append(number)
            rows.append(
                (result.score, result.tier, result.flagged, result.device_id, result.device_name, tuple(refs))
            )
        return reset, new, rows


def decode_block(
    message: tuple[bool, list[ReasonRow], list[Row]], reasons: list[Reason], versions: tuple[str, str]
) -> list[MatchResult]:
    """The parent's side of `ReasonTable.encode`: `reasons` is its copy of that helper's table."""
    reset, new, rows = message
    if reset:
        reasons.clear()
    reasons.extend(map(reason, new))
    get = reasons.__getitem__
    return [
        make_result(score, tier, flagged, device_id, device_name, tuple(map(get, refs)), *versions)
        for score, tier, flagged, device_id, device_name, refs in rows
    ]


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
            bufsize=0,
        )
        stdin: IO[bytes] = self._proc.stdin  # type: ignore[assignment]
        self._stdout: io.RawIOBase = self._proc.stdout  # type: ignore[assignment]
        self._stdin_fd = stdin.fileno()
        self.reasons: list[Reason] = []  # this helper's `ReasonTable`, as received
        _enlarge_pipe(self._stdin_fd)
        _enlarge_pipe(self._stdout.fileno())
        self.send((matcher.catalog, matcher.weights))

    def send(self, obj: object) -> None:
        """Pickle `obj` to the helper."""
        write_message(self._stdin_fd, obj)

    def receive(self) -> Any:
        """What the helper sent back for the oldest block sent and not yet received."""
        return read_message(self._stdout)

    def alive(self) -> bool:
        """False once the helper has exited."""
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


class HelperPool:
    """Helper processes, one per core but the caller's, serving one matcher configuration."""

    def __init__(self, matcher: Matcher) -> None:
        count = max(1, min(MAX_HELPERS, (os.cpu_count() or 2) - 1))
        self._helpers = [Helper(matcher) for _ in range(count)]
        self._lock = threading.Lock()
        atexit.register(self.close)

    def alive(self) -> bool:
        """False once a helper has exited (the pool is then replaced)."""
        return all(helper.alive() for helper in self._helpers)

    def close(self) -> None:
        """End the helpers."""
        for helper in self._helpers:
            helper.close()

    def score(
        self, pairs: Sequence[Pair], score_local: Callable[[Pair], MatchResult], versions: tuple[str, str]
    ) -> list[MatchResult] | None:
        """Results for `pairs` in order, scored by the helpers; None if another thread uses them.

        `score_local` must score a pair exactly as a helper's own matcher does.
        """
        return self.run(
            "score", pairs, score_local, lambda helper, reply: decode_block(reply, helper.reasons, versions)
        )

    def run(
        self,
        job: str,
        items: Sequence[Any],
        local: Callable[[Any], Any],
        decode: Callable[[Helper, Any], list[Any]] | None = None,
    ) -> list[Any] | None:
        """`[local(item) for item in items]`, with blocks of items done by the helpers' `job`
        (see `serve`); None if another thread uses the helpers. `decode` turns a helper's reply
        into its block's outcomes (default: the reply is that list)."""
        if not self._lock.acquire(blocking=False):
            return None  # another thread is using them: the caller works serially
        try:
            return self._run(job, items, local, decode)
        finally:
            self._lock.release()

    def _run(
        self,
        job: str,
        items: Sequence[Any],
        local: Callable[[Any], Any],
        decode: Callable[[Helper, Any], list[Any]] | None,
    ) -> list[Any]:
        blocks = [items[i : i + BLOCK] for i in range(0, len(items), BLOCK)]
        out: list[list[Any] | None] = [None] * len(blocks)
        taken = [0]  # next block; helpers take from the end, the calling thread from the front
        end = [len(blocks)]
        guard = threading.Lock()
        failure: list[BaseException] = []

        def take() -> int | None:
            with guard:
                if taken[0] >= end[0]:
                    return None
                end[0] -= 1
                return end[0]

        def drive(helper: Helper) -> None:
            sent: deque[int] = deque()
            try:
                while True:
                    while len(sent) < IN_FLIGHT and (index := take()) is not None:
                        helper.send((job, blocks[index]))
                        sent.append(index)
                    if not sent:
                        return
                    reply = helper.receive()
                    out[sent.popleft()] = reply if decode is None else decode(helper, reply)
            except BaseException as exc:  # reported below; its blocks are done here instead
                failure.append(exc)

        threads = [
            threading.Thread(target=drive, args=(helper,), name="thumbwatch-match-feeder", daemon=True)
            for helper in self._helpers
        ]
        for thread in threads:
            thread.start()
        while True:
            with guard:
                if taken[0] >= end[0]:
                    break
                index = taken[0]
                taken[0] += 1
            out[index] = [local(item) for item in blocks[index]]
        for thread in threads:
            thread.join()
        if failure:  # a dead helper costs speed, never results: finish its blocks here
            logger.warning("matching helper process failed: %r", failure[0])
            self.close()
        return [
            outcome
            for index, block in enumerate(out)
            for outcome in (block if block is not None else map(local, blocks[index]))
        ]


def serve() -> None:
    """A helper's main loop: a (catalog, weights) pair, then (job, block) messages until EOF:
    "score" blocks of (title, description) pairs, "lines" blocks for `jsonlines.score_line`."""
    from matching.jsonlines import score_line
    from matching.matcher import Matcher

    stdin = io.FileIO(sys.stdin.fileno(), "rb", closefd=False)
    stdout = sys.stdout.fileno()
    catalog, weights = read_message(stdin)
    matcher = Matcher(catalog, weights, parallel_min=None)
    waiting: queue.SimpleQueue[tuple[str, list[Any]] | None] = queue.SimpleQueue()

    def read() -> None:  # drains stdin, so the parent's writes never wait for this loop
        while True:
            try:
                waiting.put(read_message(stdin))
            except EOFError:
                waiting.put(None)
                return

    threading.Thread(target=read, daemon=True).start()
    table = ReasonTable()
    while (message := waiting.get()) is not None:
        job, block = message
        if job == "score":
            results = [matcher.score_listing(title, description) for title, description in block]
            write_message(stdout, table.encode(results))
        else:  # "lines": thumbwatch match's JSON Lines, parsed and written here too
            write_message(stdout, [score_line(matcher, line) for line in block])
