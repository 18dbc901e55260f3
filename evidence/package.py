"""Package files on disk: writing a referral package as a directory or a deterministic zip,
reading one back (either form, no database) or extracting a zip safely, and the ``SHA256SUMS``
format. What is read from a package is bounded (`MAX_METADATA_BYTES` for a file read whole,
`MAX_EXTRACTED_BYTES` for an extraction), since a package to verify may come from anyone.

``SHA256SUMS`` is GNU coreutils' format (``<hex>  <path>``, one file a line, sorted by path), so
``sha256sum -c SHA256SUMS`` checks a package without thumbwatch. A zip is byte-for-byte
reproducible: entries in path order, one timestamp (the package's creation time), fixed
permissions and compression, no directory entries.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from evidence.store import CHUNK, file_sha256

SUMS_NAME = "SHA256SUMS"
MANIFEST_NAME = "manifest.json"
_SUMS_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")
_ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)  # the earliest time a zip entry can carry
# Bounds on what is read from a package that may come from anyone: its SHA256SUMS and manifests
# (read whole) and everything extracted from it.
MAX_METADATA_BYTES = 64 * 1024 * 1024
MAX_EXTRACTED_BYTES = 16 * 1024 * 1024 * 1024

# A package file's content: bytes made for the package, or a file (an evidence blob) copied in.
FileSource = bytes | Path


class PackageFormatError(ValueError):
    """A path that is not a package, or a ``SHA256SUMS`` line that is not in the format."""


def source_sha256(source: FileSource) -> str:
    return hashlib.sha256(source).hexdigest() if isinstance(source, bytes) else file_sha256(source)


def sha256sums_text(digests: Mapping[str, str]) -> bytes:
    """``SHA256SUMS`` for `digests` (relative path -> SHA-256), sorted by path."""
    return "".join(f"{digests[path]}  {path}\n" for path in sorted(digests)).encode()


def parse_sha256sums(text: bytes, where: str) -> dict[str, str]:
    """Relative path -> SHA-256; a malformed line raises `PackageFormatError` naming `where:LINE`."""
    digests: dict[str, str] = {}
    for number, line in enumerate(text.decode("utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        match = _SUMS_LINE.match(line)
        if match is None:
            raise PackageFormatError(f"{where}:{number}: not a '<sha256>  <path>' line")
        digests[match.group(2)] = match.group(1)
    return digests


def write_package(files: Mapping[str, FileSource], out: Path, created_at: datetime) -> None:
    """Write `files` (relative path -> content) to `out`: a ``.zip`` or a new directory.

    Built beside `out` and renamed into place, so a failure leaves nothing at `out`.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".zip":
        fd, temp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".partial")
        os.close(fd)
        try:
            _write_zip(files, Path(temp), created_at)
            os.replace(temp, out)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return
    temp_dir = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".partial"))
    try:
        _write_directory(files, temp_dir, created_at)
        temp_dir.chmod(0o755)
        os.rename(temp_dir, out)  # replaces `out` only if it is an empty directory
    except BaseException:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise


def _write_directory(files: Mapping[str, FileSource], root: Path, created_at: datetime) -> None:
    stamp = created_at.timestamp()
    for name in sorted(files):
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        source = files[name]
        if isinstance(source, bytes):
            target.write_bytes(source)
        else:
            shutil.copyfile(source, target)
        target.chmod(0o644)
        os.utime(target, (stamp, stamp))


def _write_zip(files: Mapping[str, FileSource], path: Path, created_at: datetime) -> None:
    when = max(created_at.astimezone(UTC), _ZIP_EPOCH)
    date_time = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    with zipfile.ZipFile(path, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so the permissions below mean the same everywhere
            info.external_attr = 0o100644 << 16
            source = files[name]
            if isinstance(source, bytes):
                archive.writestr(info, source)
                continue
            with source.open("rb") as handle, archive.open(info, "w") as entry:
                shutil.copyfileobj(handle, entry, CHUNK)


def package_sha256(out: Path) -> str:
    """The package's own hash: of the zip file, or of a directory's root ``SHA256SUMS`` (which
    names the hash of every file in it)."""
    return file_sha256(out if out.is_file() else out / SUMS_NAME)


@dataclass(frozen=True)
class PackageReader:
    """The files of a package directory or zip, by relative POSIX path."""

    path: Path

    @classmethod
    def open(cls, path: Path) -> PackageReader:
        if path.is_dir():
            return cls(path)
        if path.is_file() and zipfile.is_zipfile(path):
            return cls(path)
        if path.exists():
            raise PackageFormatError(f"{path}: neither a directory nor a zip file")
        raise PackageFormatError(f"{path}: no such package")

    @property
    def is_zip(self) -> bool:
        return self.path.is_file()

    def names(self) -> list[str]:
        if self.is_zip:
            with zipfile.ZipFile(self.path) as archive:
                return sorted(info.filename for info in archive.infolist() if not info.is_dir())
        return sorted(
            p.relative_to(self.path).as_posix() for p in self.path.rglob("*") if p.is_file() or p.is_symlink()
        )

    def read(self, name: str, max_bytes: int | None = None) -> bytes:
        """The whole file `name`; `PackageFormatError` when it is larger than `max_bytes`
        (default `MAX_METADATA_BYTES`)."""
        max_bytes = MAX_METADATA_BYTES if max_bytes is None else max_bytes
        if self.is_zip:
            with zipfile.ZipFile(self.path) as archive, archive.open(name) as handle:
                data = handle.read(max_bytes + 1)
        else:
            with (self.path / name).open("rb") as handle:
                data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise PackageFormatError(f"{name}: larger than {max_bytes} bytes, not read")
        return data

    def digests(self) -> Iterator[tuple[str, str, int]]:
        """(name, SHA-256, size) of every file, read in chunks."""
        if self.is_zip:
            with zipfile.ZipFile(self.path) as archive:
                for info in sorted(archive.infolist(), key=lambda i: i.filename):
                    if info.is_dir():
                        continue
                    digest = hashlib.sha256()
                    with archive.open(info) as handle:
                        while chunk := handle.read(CHUNK):
                            digest.update(chunk)
                    yield info.filename, digest.hexdigest(), info.file_size
            return
        for name in self.names():
            path = self.path / name
            yield name, file_sha256(path), path.stat().st_size


def is_safe_name(name: str) -> bool:
    """A relative path that stays inside the package (no absolute path, no ``..``)."""
    normal = posixpath.normpath(name)
    return not (name.startswith("/") or normal.startswith("..") or "\\" in name or normal != name)


def extract_package(path: Path, dest: Path, max_bytes: int | None = None) -> list[Path]:
    """Extract the package zip at `path` into the new directory `dest`, refusing what could escape
    it or fill the disk: an unsafe name (absolute, ``..``, backslash), a link, a directory-or-file
    clash, or more than `max_bytes` in all (default `MAX_EXTRACTED_BYTES`; counted as decompressed,
    not as the zip declares). Returns the extracted files' resolved paths."""
    max_bytes = MAX_EXTRACTED_BYTES if max_bytes is None else max_bytes
    with zipfile.ZipFile(path) as archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        for info in infos:
            if not is_safe_name(info.filename):
                raise PackageFormatError(f"{path}: entry {info.filename!r} leaves the package")
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise PackageFormatError(f"{path}: entry {info.filename!r} is a symbolic link")
        dest.mkdir(parents=False, exist_ok=False)
        root = dest.resolve()
        written: list[Path] = []
        total = 0
        for info in infos:
            target = (root / info.filename).resolve()
            if not target.is_relative_to(root):
                raise PackageFormatError(f"{path}: entry {info.filename!r} leaves the package")
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, target.open("xb") as handle:
                while chunk := source.read(CHUNK):
                    total += len(chunk)
                    if total > max_bytes:
                        raise PackageFormatError(f"{path}: more than {max_bytes} bytes once extracted")
                    handle.write(chunk)
            written.append(target)
    return written
