"""Helper processes, one per core but one, that work through a long stream of listings with the
caller: `Matcher.score_stream`'s listings ("score" blocks) or `thumbwatch match`'s JSON lines
("lines" blocks).

A helper is a plain `python -c` child running `serve`, fed over its stdin/stdout pipes, not a
`multiprocessing` pool: spawn and forkserver re-run the caller's main script in the child (a
script without a `__main__` guard would start scoring there too), and forking the Scrapy process
would copy its reactor and threads. Helpers are started on the first large batch only and reused
until the interpreter exits.

The calling thread scores blocks too, from the same short queue as the helpers, whenever the
next outcome to hand on is not done yet (a caller busy with the outcomes leaves the blocks to the
helpers): a result that crosses a pipe costs both processes pickling and the parent rebuilding
it, so the parent's own core does better scoring than feeding a helper of its own (one helper per
core made the parent a third busy process on a two-core machine). The input is read block by
block as the work goes, and outcomes are handed on in order as soon as they are done, so reading,
scoring and writing overlap and a file of any length is never held whole. Each helper has two
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
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from matching.result import MatchResult, Reason, ReasonRow, make_result, reason
from matching.speedups import settle_heap

if TYPE_CHECKING:
    from matching.matcher import Matcher

__all__ = [
    "BLOCK",
    "Helper",
    "HelperPool",
    "ReasonTable",
    "batched",
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


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """`items` in lists of `size` (the last may be shorter)."""
    items = iter(items)
    while block := list(islice(items, size)):
        yield block


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

    def stream(
        self,
        job: str,
        blocks: Iterable[list[Any]],
        local: Callable[[Any], Any],
        decode: Callable[[Helper, Any], list[Any]] | None = None,
    ) -> Iterator[list[Any]]:
        """`[local(item) for item in block]` for each block of `blocks`, in order, each as soon as
        it and the blocks before it are done; blocks are done here or by the helpers' `job` (see
        `serve`). `decode` turns a helper's reply into its block's outcomes (default: the reply
        is that list). Blocks are read from `blocks` in this thread, only a few ahead of the
        work, so a long input is never held whole. If another thread is using the helpers, every
        block is done here."""
        if not self._lock.acquire(blocking=False):
            yield from ([local(item) for item in block] for block in blocks)
            return
        try:
            yield from _Stream(self._helpers, job, blocks, local, decode).outcomes()
        finally:
            self._lock.release()


class _Stream:
    """One `HelperPool.stream`: the blocks read and not yet taken, and the outcomes done.

    One feeder thread per helper takes blocks from the front of `_waiting`; this thread reads
    blocks into it, up to `_ahead`, hands the outcomes on in order, and does a block itself
    whenever the next one to hand on is not done yet.
    """

    def __init__(
        self,
        helpers: Sequence[Helper],
        job: str,
        blocks: Iterable[list[Any]],
        local: Callable[[Any], Any],
        decode: Callable[[Helper, Any], list[Any]] | None,
    ) -> None:
        self._helpers = helpers
        self._job = job
        self._blocks = enumerate(blocks)
        self._local = local
        self._decode = decode
        self._ahead = (IN_FLIGHT + 1) * len(helpers)
        self._changed = threading.Condition()  # guards everything below
        self._waiting: deque[tuple[int, list[Any]]] = deque()
        self._done: dict[int, list[Any]] = {}
        self._in_flight = 0  # blocks a feeder has taken and not yet put in `_done`
        self._read_all = False
        self._stopping = False
        self._failure: list[BaseException] = []

    def outcomes(self) -> Iterator[list[Any]]:
        threads = [
            threading.Thread(target=self._feed, args=(helper,), name="thumbwatch-match-feeder", daemon=True)
            for helper in self._helpers
        ]
        for thread in threads:
            thread.start()
        try:
            following = 0  # the next block to hand on
            while True:
                while following in self._done:
                    with self._changed:
                        outcome = self._done.pop(following)
                    yield outcome
                    following += 1
                self._read_ahead()
                with self._changed:
                    if following in self._done:
                        continue
                    # The next block is not done: do one here rather than wait. A caller busy
                    # with the outcomes (writing them, say) leaves the blocks to the helpers.
                    taken = self._waiting.popleft() if self._waiting else None
                    if taken is None:
                        if self._read_all and not self._in_flight:
                            break
                        self._changed.wait()  # for a feeder's outcome, or its blocks back
                        continue
                index, block = taken
                outcome = [self._local(item) for item in block]
                with self._changed:
                    self._done[index] = outcome
        finally:
            with self._changed:
                self._stopping = True
                self._changed.notify_all()
            for thread in threads:
                thread.join()
        if self._failure:
            # A dead helper costs speed, never outcomes: its blocks went back to `_waiting`.
            logger.warning("matching helper process failed: %r", self._failure[0])
            for helper in self._helpers:
                helper.close()

    def _read_ahead(self) -> None:
        if self._read_all or len(self._waiting) >= self._ahead:
            return
        added = []
        exhausted = False
        while len(self._waiting) + len(added) < self._ahead:
            got = next(self._blocks, None)
            if got is None:
                exhausted = True
                break
            added.append(got)
        with self._changed:
            self._waiting.extend(added)
            self._read_all = exhausted
            self._changed.notify_all()

    def _feed(self, helper: Helper) -> None:
        """Keep `helper` busy with up to `IN_FLIGHT` blocks until every block is taken."""
        sent: deque[tuple[int, list[Any]]] = deque()
        try:
            while True:
                with self._changed:
                    while not sent and not self._waiting and not self._stopping and not self._read_all:
                        self._changed.wait()
                    new = []
                    while len(sent) + len(new) < IN_FLIGHT and self._waiting and not self._stopping:
                        new.append(self._waiting.popleft())
                    sent.extend(new)
                    self._in_flight += len(new)
                if not sent:
                    return
                for _, block in new:
                    helper.send((self._job, block))
                reply = helper.receive()
                outcome = reply if self._decode is None else self._decode(helper, reply)
                with self._changed:
                    index, _ = sent.popleft()
                    self._done[index] = outcome
                    self._in_flight -= 1
                    self._changed.notify_all()
        except BaseException as exc:
            with self._changed:
                self._failure.append(exc)
                self._waiting.extendleft(reversed(sent))  # this thread's blocks, done by the caller
                self._in_flight -= len(sent)
                self._changed.notify_all()


def serve() -> None:
    """A helper's main loop: a (catalog, weights) pair, then (job, block) messages until EOF:
    "score" blocks of (title, description, attributes text) of `Matcher.score_stream`, "lines"
    blocks for `jsonlines.score_line`, "call" blocks of (function, task) of `Matcher.run_tasks`."""
    from matching.jsonlines import score_line
    from matching.matcher import Matcher

    stdin = io.FileIO(sys.stdin.fileno(), "rb", closefd=False)
    stdout = sys.stdout.fileno()
    catalog, weights = read_message(stdin)
    matcher = Matcher(catalog, weights, parallel_min=None)
    settle_heap()
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
            results = [matcher._score(*texts) for texts in block]
            write_message(stdout, table.encode(results))
        elif job == "lines":  # thumbwatch match's JSON Lines, parsed and written here too
            write_message(stdout, [score_line(matcher, line) for line in block])
        else:  # "call"
            write_message(stdout, [work(matcher, task) for work, task in block])
    # Everything was written with os.write. Tearing the interpreter down would only keep the
    # parent waiting in `Helper.close` (a fifth of a second with a warm matcher and SQLAlchemy
    # loaded); the atexit handlers (closing database connections) are all it needs.
    atexit._run_exitfuncs()
    os._exit(0)
