"""Imported catalogs: validated, stored content-addressed in the data directory, and on the record.

An import is all-or-nothing. The whole file is validated first; only then is the catalog written
as canonical YAML to ``<home>/catalog/<version>.yaml`` (``version`` is the sha256 of those bytes,
so `load_catalog` of the stored file gives the same `Catalog.version` that hits record) and the
``<home>/catalog/active`` pointer is swapped by rename, inside the database transaction that adds
the `CatalogImport` row. Stored files are never rewritten, so every version ever imported stays
loadable for rescoring and evidence.
"""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from matching.catalog import Catalog, CatalogError, load_catalog
from matching.catalog_io import device_record, export_catalog, read_catalog_file
from matching.matcher import Matcher, get_matcher

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from crawler.config import ThumbwatchSettings
    from storage.models import CatalogImport

__all__ = [
    "CatalogDiff",
    "active_catalog_path",
    "catalog_dir",
    "default_importer",
    "diff_catalogs",
    "import_catalog",
    "list_imports",
]

ACTIVE_POINTER = "active"


@dataclass(frozen=True, slots=True)
class CatalogDiff:
    """Device ids added, changed (any field or source differs) and removed between two catalogs."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]


def catalog_dir(home: Path) -> Path:
    return home / "catalog"


def default_importer() -> str:
    """Who runs this process, for the import record when ``--by`` is not given."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER (some containers)
        return f"uid:{os.getuid()}"


def _imported_path(home: Path) -> Path | None:
    directory = catalog_dir(home)
    try:
        version = (directory / ACTIVE_POINTER).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    path = directory / f"{version}.yaml"
    if not path.is_file():
        raise CatalogError(
            f"{directory / ACTIVE_POINTER}: names catalog version {version!r}, but {path} is missing"
        )
    return path


def active_catalog_path(settings: ThumbwatchSettings) -> Path | None:
    """The catalog in force: ``THUMBWATCH_CATALOG_PATH`` when set, else the active imported
    catalog, else ``None`` (the bundled `matching/catalog.yaml`)."""
    if settings.catalog_path is not None:
        return settings.catalog_path
    return _imported_path(settings.resolved_home)


def active_catalog() -> Catalog:
    """The catalog in force for this process's configuration."""
    from crawler.config import get_settings

    return load_catalog(active_catalog_path(get_settings()))


def active_matcher() -> Matcher:
    """The (cached) matcher over the catalog in force: crawls, match, eval and rescore use it."""
    from crawler.config import get_settings

    return get_matcher(active_catalog_path(get_settings()))


def diff_catalogs(old: Catalog, new: Catalog) -> CatalogDiff:
    before = {d.id: device_record(d) for d in old.devices}
    after = {d.id: device_record(d) for d in new.devices}
    return CatalogDiff(
        added=tuple(i for i in after if i not in before),
        changed=tuple(i for i in after if i in before and after[i] != before[i]),
        removed=tuple(i for i in before if i not in after),
    )


@contextlib.contextmanager
def _lock(directory: Path) -> Iterator[None]:
    # Two imports at once would race on the pointer and on "previous catalog" for the diff.
    with open(directory / ".import-lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def import_catalog(
    path: Path, by: str, sessions: sessionmaker[Session], home: Path | None = None
) -> CatalogImport:
    """Validate `path` (YAML, JSON or CSV), store it, make it the active catalog and record it.

    Raises `CatalogError` (listing every problem) before anything is written when the file is
    invalid; on a database error the pointer is left as it was. `home` defaults to the
    configured data directory.
    """
    from storage.models import CatalogImport, utcnow  # the database only where it is written

    path = Path(path)
    catalog = read_catalog_file(path)
    if home is None:
        from crawler.config import get_settings

        home = get_settings().resolved_home
    if not by.strip():
        raise CatalogError("the importer's name (--by) must not be blank")
    canonical = export_catalog(catalog, "yaml").encode("utf-8")
    version = hashlib.sha256(canonical).hexdigest()
    directory = catalog_dir(home)
    directory.mkdir(parents=True, exist_ok=True)
    with _lock(directory):
        previous_path = _imported_path(home)
        previous = load_catalog(previous_path)
        stored = directory / f"{version}.yaml"
        created = not stored.exists()
        if created:
            _write_atomically(stored, canonical)
        pointer = directory / ACTIVE_POINTER
        old_pointer = pointer.read_bytes() if pointer.exists() else None
        diff = diff_catalogs(previous, catalog)
        record = CatalogImport(
            imported_at=utcnow(),
            imported_by=by.strip(),
            source_file=path.name,
            catalog_version=version,
            previous_version=previous.version,
            device_count=len(catalog.devices),
            devices_added=len(diff.added),
            devices_changed=len(diff.changed),
            devices_removed=len(diff.removed),
        )
        try:
            with sessions.begin() as session:
                session.add(record)
                session.flush()
                _write_atomically(pointer, f"{version}\n".encode("ascii"))
        except BaseException:
            # Commit failed after the swap, or the swap failed: put back what was in force.
            if old_pointer is None:
                with contextlib.suppress(FileNotFoundError):
                    pointer.unlink()
            else:
                _write_atomically(pointer, old_pointer)
            if created and version != (old_pointer or b"").decode("ascii").strip():
                with contextlib.suppress(FileNotFoundError):
                    stored.unlink()
            raise
    return record


def list_imports(session: Session) -> list[CatalogImport]:
    """Every import record, oldest first."""
    from sqlalchemy import select

    from storage.models import CatalogImport

    return list(session.scalars(select(CatalogImport).order_by(CatalogImport.imported_at, CatalogImport.id)))
