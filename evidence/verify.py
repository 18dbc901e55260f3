"""Verification of evidence: a referral package offline, or the whole evidence store.

`verify_package` needs no database: it reads a package directory or zip, checks every file
against each ``SHA256SUMS`` (a changed, a missing and an extra file are each named) and checks
that every ``manifest.json`` agrees with the ``SHA256SUMS`` beside it (the same files with the
same hashes, and each capture item's file). `verify_store` checks every blob's
content against its name (listing images' blobs included), that every blob an evidence item
references is present with the recorded size, that every blob a listing image names is present
(its rows record no size), and that the custody log's hash chain is unbroken.
"""

from __future__ import annotations

import json
import posixpath
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from evidence.custody import custody_entries, verify_chain
from evidence.manifest import evidence_items
from evidence.package import (
    MANIFEST_NAME,
    SUMS_NAME,
    PackageFormatError,
    PackageReader,
    is_safe_name,
    parse_sha256sums,
)
from evidence.store import EvidenceStore
from storage.models import Capture, EvidenceItem, ListingImage


@dataclass(frozen=True, order=True)
class Problem:
    """One verification finding: `kind` (changed, missing, extra, manifest, unreadable, unsafe,
    altered_blob, missing_blob, size, chain) about `subject` (a file or a record)."""

    subject: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.detail}"


def _unique(problems: Iterable[Problem]) -> list[Problem]:
    seen: dict[tuple[str, str], Problem] = {}
    for problem in problems:
        seen.setdefault((problem.subject, problem.kind), problem)
    return list(seen.values())


def _directory(name: str) -> str:
    parent = posixpath.dirname(name)
    return f"{parent}/" if parent else ""


def _sums_problems(
    sums_name: str, listed: dict[str, str], actual: dict[str, tuple[str, int]]
) -> list[Problem]:
    base = _directory(sums_name)
    problems = []
    for rel, digest in sorted(listed.items()):
        name = base + rel
        if name not in actual:
            problems.append(Problem(name, "missing", f"listed in {sums_name} but missing"))
        elif actual[name][0] != digest:
            problems.append(Problem(name, "changed", f"changed: SHA-256 differs from {sums_name}"))
    covered = {base + rel for rel in listed}
    for name in sorted(actual):
        if name.startswith(base) and name != sums_name and name not in covered:
            problems.append(Problem(name, "extra", f"extra file, not listed in {sums_name}"))
    return problems


def _manifest_problems(manifest_name: str, manifest: Any, listed: dict[str, str] | None) -> list[Problem]:
    base = _directory(manifest_name)
    if listed is None:
        return [Problem(manifest_name, "manifest", f"has no {SUMS_NAME} beside it")]
    try:
        files = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
        items = evidence_items(manifest["listings"])
    except (KeyError, TypeError) as exc:
        return [Problem(manifest_name, "manifest", f"not a referral manifest (missing {exc})")]
    problems = []
    for rel, digest in sorted(files.items()):
        if listed.get(rel) != digest:
            detail = f"{manifest_name} gives a SHA-256 that {SUMS_NAME} does not"
            problems.append(Problem(base + rel, "manifest", detail))
    for rel in sorted(set(listed) - set(files) - {MANIFEST_NAME}):
        problems.append(Problem(base + rel, "manifest", f"in {SUMS_NAME} but not in {manifest_name}"))
    for item in items:
        if files.get(item.get("file")) != item.get("sha256"):
            detail = f"capture item's SHA-256 is not the file's in {manifest_name}"
            problems.append(Problem(base + str(item.get("file")), "manifest", detail))
    return problems


def verify_package(path: Path) -> list[Problem]:
    """Every problem with the package at `path` (a directory or a zip), no database needed.

    Raises `PackageFormatError` when `path` is not a package at all (absent, not a zip).
    """
    reader = PackageReader.open(path)
    problems: list[Problem] = []
    actual: dict[str, tuple[str, int]] = {}
    try:
        for name, digest, size in reader.digests():
            actual[name] = (digest, size)
    except (zipfile.BadZipFile, OSError) as exc:
        return [Problem(str(path), "unreadable", f"cannot be read: {exc}")]
    problems += [Problem(n, "unsafe", "path leaves the package") for n in actual if not is_safe_name(n)]
    if SUMS_NAME not in actual:
        problems.append(Problem(SUMS_NAME, "missing", "the package's SHA256SUMS is missing"))
    sums: dict[str, dict[str, str]] = {}
    for name in sorted(n for n in actual if posixpath.basename(n) == SUMS_NAME):
        try:
            sums[name] = parse_sha256sums(reader.read(name), name)
        except PackageFormatError as exc:
            problems.append(Problem(name, "unreadable", str(exc)))
            continue
        problems += _sums_problems(name, sums[name], actual)
    for name in sorted(n for n in actual if posixpath.basename(n) == MANIFEST_NAME):
        try:
            manifest = json.loads(reader.read(name))
        except PackageFormatError as exc:
            problems.append(Problem(name, "unreadable", str(exc)))
            continue
        except (ValueError, UnicodeDecodeError) as exc:
            problems.append(Problem(name, "manifest", f"not valid JSON: {exc}"))
            continue
        listed = sums.get(_directory(name) + SUMS_NAME)
        problems += _manifest_problems(name, manifest, listed)
    return _unique(problems)


def verify_store(session: Session, store: EvidenceStore) -> list[Problem]:
    """Every problem in the evidence store and the custody log."""
    problems = [
        Problem("custody log" if p.entry_id is None else f"custody entry {p.entry_id}", "chain", p.message)
        for p in verify_chain(custody_entries(session))
    ]
    for blob in store.blobs():
        if store.digest_of(blob) != blob:
            problems.append(
                Problem(f"blob {blob}", "altered_blob", "content does not match its name (altered)")
            )
    rows = session.execute(
        select(EvidenceItem, Capture.listing_id)
        .join(Capture, Capture.id == EvidenceItem.capture_id)
        .order_by(EvidenceItem.id)
    )
    for item, listing_id in rows:
        subject = f"evidence item {item.id} ({item.kind} of capture {item.capture_id}, listing {listing_id})"
        path = store.path_for(item.sha256)
        if not path.is_file():
            problems.append(Problem(subject, "missing_blob", f"blob {item.sha256} is missing from the store"))
        elif path.stat().st_size != item.size:
            detail = f"blob {item.sha256} has {path.stat().st_size} bytes, the record says {item.size}"
            problems.append(Problem(subject, "size", detail))
    images = session.scalars(
        select(ListingImage).where(ListingImage.sha256.is_not(None)).order_by(ListingImage.id)
    )
    for image in images:
        assert image.sha256 is not None
        if not store.path_for(image.sha256).is_file():
            subject = f"listing image {image.id} (listing {image.listing_id}, {image.url})"
            detail = f"blob {image.sha256} is missing from the store"
            problems.append(Problem(subject, "missing_blob", detail))
    return problems
