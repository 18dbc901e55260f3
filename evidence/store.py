"""The content-addressed evidence store: each blob is a read-only file named by its SHA-256.

A blob is written once and never rewritten: storing bytes that are already there reuses the
existing file. Writes go to a temporary file that is flushed to disk and only then hard-linked
into place, so a crash leaves no half-written blob under a blob's name, and two processes
storing the same bytes cannot clash. Within `EvidenceStore.deferred_sync()` (the crawl's
evidence worker, a batch of captures at a time) the blobs are flushed together by one sync
of the file system at the end of the block instead of one fsync each, then linked.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    path: Path
    reused: bool


class EvidenceStore:
    """Blobs under ``root/ab/abcdef...`` (the first two hex digits fan the directory out)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        # While deferring: blob path -> its written but not yet synced temporary file.
        self._unsynced: dict[Path, str] | None = None

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> StoredBlob:
        """Store `data` (or reuse the identical blob already stored)."""
        sha256 = hashlib.sha256(data).hexdigest()
        path = self.path_for(sha256)
        if path.exists() or (self._unsynced is not None and path in self._unsynced):
            return StoredBlob(sha256, len(data), path, reused=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                if self._unsynced is None:
                    handle.flush()
                    os.fsync(handle.fileno())
            os.chmod(temp, 0o444)
            if self._unsynced is not None:
                self._unsynced[path] = temp
                return StoredBlob(sha256, len(data), path, reused=False)
            reused = self._link(temp, path)
        finally:
            if self._unsynced is None or path not in self._unsynced:
                os.unlink(temp)
        return StoredBlob(sha256, len(data), path, reused)

    @staticmethod
    def _link(temp: str, path: Path) -> bool:
        """Give the written file its blob name; True when the name was taken meanwhile."""
        try:
            os.link(temp, path)
            return False
        except FileExistsError:
            return True  # another process stored the same bytes meanwhile

    @contextmanager
    def deferred_sync(self) -> Iterator[None]:
        """Blobs put within the block get their names when it ends, after one sync to disk.

        Leave the block before committing rows that name its blobs. If the block fails, its
        blobs are discarded. A blob put within reports ``reused=False`` even if another process
        stores the same bytes before the block ends (the bytes are the same either way).
        """
        if self._unsynced is not None:
            raise RuntimeError("deferred_sync blocks do not nest")
        unsynced: dict[Path, str] = {}
        self._unsynced = unsynced
        try:
            yield
            if unsynced:
                os.sync()  # one flush of every file written in the block
                for path, temp in unsynced.items():
                    self._link(temp, path)
        finally:
            self._unsynced = None
            for temp in unsynced.values():
                os.unlink(temp)

    def read(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def digest_of(self, sha256: str) -> str:
        """The SHA-256 of the blob's current bytes (differs from `sha256` if it was altered)."""
        return file_sha256(self.path_for(sha256))

    def blobs(self) -> Iterator[str]:
        """Names of every blob in the store."""
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("??/*")):
            if path.is_file() and not path.name.startswith("."):
                yield path.name


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def evidence_store() -> EvidenceStore:
    """The store under the configured data directory (``$THUMBWATCH_HOME/evidence``)."""
    from crawler.config import get_settings

    return EvidenceStore(get_settings().ensure_home() / "evidence")
