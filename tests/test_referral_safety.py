"""Referral package safety: a package survives zip and extraction and `verify` catches a one-byte
change in any of its files; names come from ids, never from page text; sizes are bounded."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from evidence.package import PackageFormatError, extract_package, is_safe_name
from evidence.referral import ReferralError, ReferralExport
from evidence.store import EvidenceStore
from evidence.verify import verify_package
from storage.models import Referral
from tests.factories import captured_listing
from tests.test_referral import _confirm, _export, _sessions, _two_market_db

pytestmark = pytest.mark.browser  # every export prints its report through Chromium

_FOLDER_FILES = ("SHA256SUMS", "manifest.json", "notice.txt", "report.html", "report.pdf")
# The package of `_two_market_db` (listings 1, 2 on alpha.example, 3 on beta.example; 2 has no
# screenshot), exported into a fresh database: its ids are 1, 2, 3.
PACKAGE_FILES = sorted(
    ["SHA256SUMS"]
    + [f"{market}/{name}" for market in ("alpha.example", "beta.example") for name in _FOLDER_FILES]
    + [f"alpha.example/evidence/listing-1/capture-1-{k}" for k in ("warc.warc.gz", "screenshot.png")]
    + ["alpha.example/evidence/listing-1/capture-1-listing_json.json"]
    + [f"alpha.example/evidence/listing-2/capture-2-{k}" for k in ("warc.warc.gz", "listing_json.json")]
    + [f"beta.example/evidence/listing-3/capture-3-{k}" for k in ("warc.warc.gz", "screenshot.png")]
    + ["beta.example/evidence/listing-3/capture-3-listing_json.json"]
)


@pytest.fixture(scope="module")
def zipped(tmp_path_factory: pytest.TempPathFactory) -> ReferralExport:
    root = tmp_path_factory.mktemp("zipped")
    sessions, store, ids = _two_market_db(root)
    assert ids == [1, 2, 3]
    return _export(sessions, store, ids, root / "referral.zip")


def test_package_round_trips_through_zip_extraction_and_verify(
    zipped: ReferralExport, tmp_path: Path
) -> None:
    with zipfile.ZipFile(zipped.package_path) as archive:
        assert archive.namelist() == PACKAGE_FILES
    extracted = extract_package(zipped.package_path, tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in extracted) == PACKAGE_FILES
    assert verify_package(zipped.package_path) == []
    assert verify_package(tmp_path / "out") == []
    again = tmp_path / "again.zip"  # the extracted tree zipped again by anyone's tool
    with zipfile.ZipFile(again, "w", zipfile.ZIP_STORED) as archive:
        for name in PACKAGE_FILES:
            archive.write(tmp_path / "out" / name, name)
    assert verify_package(again) == []


def _with_one_byte_changed(source: Path, target: Path, name: str) -> None:
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as altered:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == name:
                middle = len(data) // 2
                data = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]
            altered.writestr(info, data)


@pytest.mark.parametrize("name", PACKAGE_FILES)
def test_verify_fails_on_a_one_byte_change_in_any_file(
    zipped: ReferralExport, tmp_path: Path, name: str
) -> None:
    altered = tmp_path / "altered.zip"
    _with_one_byte_changed(zipped.package_path, altered, name)
    problems = verify_package(altered)
    if name == "SHA256SUMS":
        # The root list is covered by no other list: the change shows as a line that no longer
        # matches its file, or no longer parses.
        assert problems and {p.kind for p in problems} <= {"changed", "missing", "extra", "unreadable"}
    else:
        assert (name, "changed") in {(p.subject, p.kind) for p in problems}
    extracted = tmp_path / "extracted"
    extract_package(altered, extracted)
    assert verify_package(extracted) == problems


def test_hostile_titles_and_slugs_make_no_path_outside_the_package(tmp_path: Path) -> None:
    sessions, store = _sessions(f"sqlite:///{tmp_path / 'db.sqlite'}"), EvidenceStore(tmp_path / "evidence")
    items = [
        captured_listing(
            sessions, store, external_id="../../X1", title="../../etc/passwd", marketplace="../../evil"
        ),
        captured_listing(
            sessions, store, external_id="/abs/X2", title="/etc/shadow\\..\\x", marketplace="a/b"
        ),
        captured_listing(sessions, store, external_id="X3", title="C:\\Windows\\win.ini", marketplace=".."),
    ]
    _confirm(sessions, *(item.listing_id for item in items))
    result = _export(sessions, store, [item.listing_id for item in items], tmp_path / "pkg" / "referral.zip")
    with zipfile.ZipFile(result.package_path) as archive:
        names = archive.namelist()
    assert all(is_safe_name(name) for name in names)
    folders = sorted({name.split("/")[0] for name in names if "/" in name})
    assert folders == [
        "a_b-2",
        "evil-1",
        "marketplace-3",
    ]  # made safe, and the marketplace id keeps them apart
    before = set(tmp_path.rglob("*"))
    dest = tmp_path / "extracted"
    extracted = extract_package(result.package_path, dest)
    assert len(extracted) == len(names)
    created = set(tmp_path.rglob("*")) - before
    assert all(path == dest or path.is_relative_to(dest) for path in created)
    assert {path.resolve() for path in created if path.is_file()} == set(extracted)
    assert verify_package(dest) == []


def _zip_with(entries: dict[str, bytes], path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("name", ["../escape.txt", "/etc/evil.txt", "a/../../escape.txt", "a\\..\\evil.txt"])
def test_extraction_refuses_a_name_that_leaves_the_package(tmp_path: Path, name: str) -> None:
    hostile = _zip_with({"SHA256SUMS": b"", name: b"owned"}, tmp_path / "hostile.zip")
    with pytest.raises(PackageFormatError, match="leaves the package"):
        extract_package(hostile, tmp_path / "dest" / "out")
    assert not (tmp_path / "dest").exists() and not (tmp_path / "escape.txt").exists()
    assert [(p.subject, p.kind) for p in verify_package(hostile) if p.kind == "unsafe"] == [(name, "unsafe")]


def test_extraction_refuses_a_symbolic_link_and_stops_at_its_size_bound(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("evidence/link")
    link.create_system = 3
    link.external_attr = 0o120777 << 16
    with zipfile.ZipFile(tmp_path / "link.zip", "w") as archive:
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(PackageFormatError, match="is a symbolic link"):
        extract_package(tmp_path / "link.zip", tmp_path / "link")
    bomb = _zip_with({"a.bin": bytes(600_000), "b.bin": bytes(600_000)}, tmp_path / "bomb.zip")
    assert bomb.stat().st_size < 10_000  # compresses a thousandfold
    with pytest.raises(PackageFormatError, match="more than 1000000 bytes once extracted"):
        extract_package(bomb, tmp_path / "bomb", max_bytes=1_000_000)
    assert sum(p.stat().st_size for p in (tmp_path / "bomb").rglob("*") if p.is_file()) <= 1_000_000


def test_verify_reads_no_oversized_sums_or_manifest_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evidence import package

    huge = _zip_with({"SHA256SUMS": b"x" * 2048, "m/manifest.json": b"{}" * 1024}, tmp_path / "huge.zip")
    monkeypatch.setattr(package, "MAX_METADATA_BYTES", 1024)
    found = {(p.subject, p.kind, p.detail) for p in verify_package(huge)}
    assert ("SHA256SUMS", "unreadable", "SHA256SUMS: larger than 1024 bytes, not read") in found
    assert ("m/manifest.json", "unreadable", "m/manifest.json: larger than 1024 bytes, not read") in found
    assert package.PackageReader(huge).read("SHA256SUMS", max_bytes=2048) == b"x" * 2048


def test_a_blob_larger_than_the_bound_is_refused_by_name(tmp_path: Path) -> None:
    sessions, store = _sessions(f"sqlite:///{tmp_path / 'db.sqlite'}"), EvidenceStore(tmp_path / "evidence")
    item = captured_listing(sessions, store)
    _confirm(sessions, item.listing_id)
    out = tmp_path / "referral.zip"
    with pytest.raises(ReferralError) as refused:
        _export(sessions, store, [item.listing_id], out, max_file_bytes=100)
    assert str(refused.value).startswith("evidence item 1 (warc): ")
    assert str(refused.value).endswith(
        "bytes is more than a package file may hold (100 bytes, THUMBWATCH_PACKAGE_MAX_FILE_BYTES)"
    )
    assert not out.exists()
    with sessions() as session:
        assert session.scalars(select(Referral)).all() == []
    assert _export(sessions, store, [item.listing_id], out, max_file_bytes=10_000).package_path == out
