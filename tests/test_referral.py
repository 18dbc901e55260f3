"""Referral packages: content, manifest, notice, report, determinism, recording, verification."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from evidence.custody import custody_entries, verify_chain
from evidence.notice import (
    GOOD_FAITH_STATEMENT,
    NoticeConfigError,
    UnitContact,
    configured_unit,
    read_legal_basis_file,
)
from evidence.package import extract_package, parse_sha256sums
from evidence.referral import ReferralError, ReferralExport, export_referral
from evidence.store import EvidenceStore
from evidence.verify import verify_package, verify_store
from matching.catalog import load_catalog
from review.workflow import Role, transition_listing
from storage.db import session_factory, upgrade_database
from storage.models import (
    Capture,
    CustodyEntry,
    EvidenceItem,
    Listing,
    Referral,
    ReferralListing,
    ReviewStatus,
)
from tests.e2e_support import db_url, run_cli
from tests.factories import T0, captured_listing, stored_listing

T_EXPORT = T0 + timedelta(days=2)
HOSTILE = "<script>alert(1)</script> L8star BM10 mini phone"
UNIT = UnitContact("Cyber Unit Test", "cyber@unit.example", "FR", "Article 434-35 example legal basis.")
REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.browser  # every export prints its report through Chromium


def _sessions(url: str) -> sessionmaker[Session]:
    return session_factory(upgrade_database(url))


def _confirm(sessions: sessionmaker[Session], *listing_ids: int | None) -> None:
    with sessions.begin() as session:
        for listing_id in listing_ids:
            assert listing_id is not None
            transition_listing(
                session, listing_id, ReviewStatus.CONFIRMED, actor="ana", role=Role.ANALYST, clock=lambda: T0
            )


def _export(
    sessions: sessionmaker[Session], store: EvidenceStore, ids: list[int | None], out: Path, **options: Any
) -> ReferralExport:
    return export_referral(
        sessions,
        [i for i in ids if i is not None],
        out,
        store=store,
        unit=UNIT,
        catalog=load_catalog(),
        actor="sup",
        clock=lambda: T_EXPORT,
        **options,
    )


def _two_market_db(root: Path) -> tuple[sessionmaker[Session], EvidenceStore, list[int | None]]:
    sessions = _sessions(f"sqlite:///{root / 'db.sqlite'}")
    store = EvidenceStore(root / "evidence")
    hostile = captured_listing(sessions, store, external_id="A1", title=HOSTILE, marketplace="alpha.example")
    plain = captured_listing(sessions, store, external_id="B2", marketplace="alpha.example", screenshot=False)
    other = captured_listing(sessions, store, external_id="C3", marketplace="beta.example")
    ids = [hostile.listing_id, plain.listing_id, other.listing_id]
    _confirm(sessions, *ids)
    return sessions, store, ids


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One export of three listings on two marketplaces (a zip), and the zip extracted."""
    root = tmp_path_factory.mktemp("package")
    sessions, store, ids = _two_market_db(root)
    result = _export(sessions, store, ids, root / "referral.zip")
    extracted = root / "extracted"
    extract_package(result.package_path, extracted)
    return {"result": result, "dir": extracted, "store": store, "ids": ids, "sessions": sessions}


def _manifest(package: dict[str, Any], folder: str) -> dict[str, Any]:
    return json.loads((package["dir"] / folder / "manifest.json").read_text(encoding="utf-8"))


def test_package_has_a_folder_per_marketplace_with_every_file(package: dict[str, Any]) -> None:
    a1, b2, c3 = package["ids"]
    with zipfile.ZipFile(package["result"].package_path) as archive:
        names = archive.namelist()
    common = ["SHA256SUMS", "manifest.json", "notice.txt", "report.html", "report.pdf"]
    assert names == sorted(
        ["SHA256SUMS"]
        + [f"alpha.example/{n}" for n in common]
        + [f"beta.example/{n}" for n in common]
        + [
            f"alpha.example/evidence/listing-{a1}/capture-1-{kind}"
            for kind in ("warc.warc.gz", "screenshot.png", "listing_json.json")
        ]
        + [
            f"alpha.example/evidence/listing-{b2}/capture-2-{k}"
            for k in ("warc.warc.gz", "listing_json.json")
        ]
        + [
            f"beta.example/evidence/listing-{c3}/capture-3-{kind}"
            for kind in ("warc.warc.gz", "screenshot.png", "listing_json.json")
        ]
    )


def test_manifest_states_listing_seller_match_captures_and_custody(package: dict[str, Any]) -> None:
    a1, b2, _ = package["ids"]
    manifest = _manifest(package, "alpha.example")
    assert manifest["format"] == "thumbwatch-referral/1"
    assert manifest["created_at"] == T_EXPORT.isoformat() and manifest["created_by"] == "sup"
    assert manifest["marketplace"] == {"slug": "alpha.example", "name": "alpha.example"}
    assert manifest["unit"] == {"name": "Cyber Unit Test", "email": "cyber@unit.example", "country": "FR"}
    assert [r["listing_id"] for r in manifest["listings"]] == [a1, b2]
    first = manifest["listings"][0]
    assert (first["external_id"], first["title"], first["url"]) == (
        "A1",
        HOSTILE,
        "http://market.test/item/A1",
    )
    assert first["price"] == "19.99" and first["currency"] == "EUR" and first["review_status"] == "confirmed"
    assert first["seller"] == {
        "external_id": "http://market.test/seller/1",
        "name": "Seller One",
        "url": "http://market.test/seller/1",
    }
    assert first["match"]["score"] == 90 and first["match"]["device_id"] == "l8star-bm10"
    assert first["match"]["reasons"] == [
        {
            "code": "model",
            "text": "names L8star BM10",
            "points": 60.0,
            "field": "title",
            "span": [0, 11],
            "excerpt": "L8star BM10",
        }
    ]
    [capture] = first["captures"]
    assert capture["captured_at"] == T0.isoformat() and capture["captured_by"] == "test-crawler"
    store: EvidenceStore = package["store"]
    for item in capture["items"]:
        blob = store.path_for(item["sha256"])
        assert item["size"] == blob.stat().st_size
        assert (package["dir"] / "alpha.example" / item["file"]).read_bytes() == blob.read_bytes()
        assert (item["tool_name"], item["tool_version"]) == ("thumbwatch", "test")
    assert [(e["action"], e["actor"], e["listing_id"]) for e in first["custody"]] == [
        ("capture", "test-crawler", a1),
        ("review.confirmed", "ana", a1),
    ]
    assert first["custody"][0]["evidence_hashes"] == sorted(i["sha256"] for i in capture["items"])
    sums = parse_sha256sums((package["dir"] / "alpha.example" / "SHA256SUMS").read_bytes(), "SHA256SUMS")
    assert {f["path"]: f["sha256"] for f in manifest["files"]} == {
        k: v for k, v in sums.items() if k != "manifest.json"
    }


def test_sha256sums_is_accepted_by_sha256sum(package: dict[str, Any]) -> None:
    if shutil.which("sha256sum") is None:
        pytest.skip("coreutils sha256sum is not installed")
    for folder in (package["dir"], package["dir"] / "beta.example"):
        done = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        listed = len(parse_sha256sums((folder / "SHA256SUMS").read_bytes(), "SHA256SUMS"))
        assert done.stdout.count(": OK\n") == listed


def test_notice_carries_every_dsa_article_16_2_element(package: dict[str, Any]) -> None:
    notice = (package["dir"] / "alpha.example" / "notice.txt").read_text(encoding="utf-8")
    flat = " ".join(notice.split())
    # (a) the explanation: configured legal basis plus the evidence of each listing
    assert "(a) Why the content is illegal (Art. 16(2)(a))" in notice
    assert UNIT.legal_basis in flat
    manifest = _manifest(package, "alpha.example")
    for item in (i for r in manifest["listings"] for c in r["captures"] for i in c["items"]):
        assert f"Evidence file {item['file']}: {item['kind']}, captured {T0.isoformat()}" in notice
        assert f"SHA-256 {item['sha256']}" in notice
    assert 'names L8star BM10 ("L8star BM10")' in notice
    # (b) exact URLs, item and seller identifiers
    assert "URL: http://market.test/item/A1" in notice and "URL: http://market.test/item/B2" in notice
    assert "Item identifier on alpha.example: A1" in notice
    assert "Seller identifier: http://market.test/seller/1 (name: Seller One)" in notice
    assert "C3" not in notice  # the other marketplace's listing has its own notice
    # (c) name and email of the submitter, (d) the good-faith statement
    assert "Name:  Cyber Unit Test\nEmail: cyber@unit.example" in notice
    assert GOOD_FAITH_STATEMENT.format(unit="Cyber Unit Test") in flat
    # integrity since capture by this system, not authenticity of origin
    assert "has not changed since this system captured it" in flat
    assert "does not by itself establish who published the content" in flat


def test_report_escapes_hostile_text_and_shows_screenshot_specs_and_reasons(package: dict[str, Any]) -> None:
    html = (package["dir"] / "alpha.example" / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; L8star BM10 mini phone" in html
    assert html.count('<img class="screenshot" src="data:image/png;base64,') == 1  # B2 has no screenshot
    assert "No screenshot was captured for this listing." in html
    # extracted specs (with the text read) beside the catalog's L8star BM10 facts
    assert (
        "<td>Dimensions</td><td>68 × 28 × 13 mm (&#34;68x28x13 mm&#34;)</td><td>68 × 28 × 13 mm</td>" in html
    )
    assert "<td>Battery</td><td>350 mAh (&#34;350 mAh&#34;)</td><td>350 mAh</td>" in html
    assert "<td>names L8star BM10</td>" in html and "title [0:11]" in html


def test_pdf_report_is_a_pdf_dated_at_the_export(package: dict[str, Any]) -> None:
    pdf = (package["dir"] / "alpha.example" / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert b"/CreationDate (D:" + T_EXPORT.strftime("%Y%m%d%H%M%S").encode() in pdf


def test_pdf_report_first_page_renders_with_pdftoppm(package: dict[str, Any], tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed (Debian's poppler-utils; `make setup` installs it)")
    pdf = package["dir"] / "alpha.example" / "report.pdf"
    done = subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    [page] = list(tmp_path.glob("page*.png"))
    from PIL import Image

    with Image.open(page) as image:
        assert image.format == "PNG"
        assert image.size == (414, 586)  # Chromium's A4 page (595.92 × 842.88 pt) at 50 dpi, rounded up
        grey = image.convert("L")
        dark = sum(grey.histogram()[:128])
    assert 500 < dark < 414 * 586 // 4  # printed text on a white page, not a blank or black one


def test_exported_package_verifies_clean_as_zip_and_directory(package: dict[str, Any]) -> None:
    assert verify_package(package["result"].package_path) == []
    assert verify_package(package["dir"]) == []
    assert verify_package(package["dir"] / "beta.example") == []  # a folder sent alone


def _copy(package: dict[str, Any], tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(package["dir"], copy)
    return copy


def test_verify_package_names_a_changed_a_missing_and_an_extra_file(
    package: dict[str, Any], tmp_path: Path
) -> None:
    copy = _copy(package, tmp_path)
    (copy / "alpha.example" / "notice.txt").write_text("tampered", encoding="utf-8")
    (copy / "beta.example" / "report.pdf").unlink()
    (copy / "alpha.example" / "evidence" / "note.txt").write_text("added", encoding="utf-8")
    found = {(p.subject, p.kind) for p in verify_package(copy)}
    assert found == {
        ("alpha.example/notice.txt", "changed"),
        ("beta.example/report.pdf", "missing"),
        ("alpha.example/evidence/note.txt", "extra"),
    }


def test_verify_package_finds_a_changed_entry_in_a_zip(package: dict[str, Any], tmp_path: Path) -> None:
    original = package["result"].package_path
    altered = tmp_path / "altered.zip"
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(altered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("capture-3-listing_json.json"):
                data = data.replace(b"19.99", b"99.99")
            target.writestr(info, data)
    problems = verify_package(altered)
    name = f"beta.example/evidence/listing-{package['ids'][2]}/capture-3-listing_json.json"
    assert [(p.subject, p.kind) for p in problems] == [(name, "changed")]
    assert str(problems[0]) == f"{name}: changed: SHA-256 differs from SHA256SUMS"


def test_verify_package_checks_the_manifest_against_sha256sums(
    package: dict[str, Any], tmp_path: Path
) -> None:
    copy = _copy(package, tmp_path)
    manifest_path = copy / "beta.example" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["files"] = [f for f in manifest["files"] if f["path"] != "notice.txt"]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    # Re-seal the folder's SHA256SUMS, then the package's, so that only the manifest disagrees.
    for sums_path, changed in (
        (copy / "beta.example" / "SHA256SUMS", {"manifest.json": manifest_path}),
        (
            copy / "SHA256SUMS",
            {
                "beta.example/manifest.json": manifest_path,
                "beta.example/SHA256SUMS": copy / "beta.example" / "SHA256SUMS",
            },
        ),
    ):
        lines = []
        for line in sums_path.read_text(encoding="utf-8").splitlines():
            digest, name = line.split("  ", 1)
            if name in changed:
                digest = hashlib.sha256(changed[name].read_bytes()).hexdigest()
            lines.append(f"{digest}  {name}\n")
        sums_path.write_text("".join(lines), encoding="utf-8")
    assert [(p.subject, p.kind) for p in verify_package(copy)] == [("beta.example/notice.txt", "manifest")]


def test_export_records_the_referral_and_moves_listings_to_referred(
    database_url: str, tmp_path: Path
) -> None:
    sessions, store = _sessions(database_url), EvidenceStore(tmp_path / "evidence")
    item = captured_listing(sessions, store)
    _confirm(sessions, item.listing_id)
    result = _export(sessions, store, [item.listing_id], tmp_path / "out" / "referral.zip")
    assert result.package_sha256 == hashlib.sha256(result.package_path.read_bytes()).hexdigest()
    with sessions() as session:
        assert session.get(Listing, item.listing_id).review_status is ReviewStatus.REFERRED  # type: ignore[union-attr]
        referral = session.scalars(select(Referral)).one()
        assert (referral.created_at, referral.created_by) == (T_EXPORT, "sup")
        assert (referral.package_path, referral.package_sha256) == (
            str(result.package_path),
            result.package_sha256,
        )
        assert result.referrals[0].referral_id == referral.id
        assert [r.listing_id for r in session.scalars(select(ReferralListing))] == [item.listing_id]
        entries = custody_entries(session)
        assert [(e.action, e.listing_id) for e in entries] == [
            ("capture", item.listing_id),
            ("review.confirmed", item.listing_id),
            ("review.referred", item.listing_id),
            ("export.referral", None),
        ]
        referred, exported = entries[2], entries[3]
        assert referred.details["referral_id"] == referral.id
        assert referred.details["package_sha256"] == result.package_sha256
        assert referred.evidence_hashes == entries[0].evidence_hashes
        assert exported.details["package_sha256"] == result.package_sha256
        assert exported.details["listing_ids"] == [item.listing_id] and exported.recorded_at == T_EXPORT
        assert verify_chain(entries) == []


def test_same_data_and_clock_give_the_same_package_byte_for_byte(tmp_path: Path) -> None:
    first_db, second_db, third_db = (_two_market_db(tmp_path / name) for name in ("one", "two", "three"))
    first = _export(*first_db, tmp_path / "one.zip")
    second = _export(*second_db, tmp_path / "two.zip")
    assert first.package_path.read_bytes() == second.package_path.read_bytes()
    assert first.package_sha256 == second.package_sha256
    directory = _export(*third_db, tmp_path / "package-dir")
    with zipfile.ZipFile(first.package_path) as archive:
        zipped = {name: archive.read(name) for name in archive.namelist()}
    on_disk = {
        p.relative_to(directory.package_path).as_posix(): p.read_bytes()
        for p in directory.package_path.rglob("*")
        if p.is_file()
    }
    assert on_disk == zipped
    assert directory.package_sha256 == hashlib.sha256(zipped["SHA256SUMS"]).hexdigest()


def _nothing_written(sessions: sessionmaker[Session], out: Path) -> None:
    assert not out.exists() and not list(out.parent.glob(f".{out.name}*"))
    with sessions() as session:
        assert session.scalars(select(Referral)).all() == []
        assert (
            session.scalars(select(CustodyEntry).where(CustodyEntry.action == "export.referral")).all() == []
        )


def test_unknown_and_unconfirmed_listings_are_refused_by_name(database_url: str, tmp_path: Path) -> None:
    sessions, store = _sessions(database_url), EvidenceStore(tmp_path / "evidence")
    captured = captured_listing(sessions, store, external_id="NEW1")
    other = captured_listing(sessions, store, external_id="NEW2")
    bare = stored_listing(sessions, external_id="BARE")
    _confirm(sessions, bare.listing_id)
    out = tmp_path / "referral.zip"
    with pytest.raises(ReferralError, match=r"^no listing with id 998, 999 \("):
        _export(sessions, store, [captured.listing_id, 998, 999], out)
    with pytest.raises(ReferralError) as refused:
        _export(sessions, store, [captured.listing_id, bare.listing_id, other.listing_id], out)
    assert str(refused.value) == (
        f"listing {captured.listing_id}: cannot go from new to referred "
        "(confirm it first, or export with --allow-unreviewed); "
        f"listing {other.listing_id}: cannot go from new to referred "
        "(confirm it first, or export with --allow-unreviewed)"
    )
    _nothing_written(sessions, out)
    with sessions() as session:
        assert session.get(Listing, captured.listing_id).review_status is ReviewStatus.NEW  # type: ignore[union-attr]


def test_a_listing_without_evidence_is_exported_with_the_gap_stated(tmp_path: Path) -> None:
    sessions, store = _sessions(f"sqlite:///{tmp_path / 'db.sqlite'}"), EvidenceStore(tmp_path / "evidence")
    captured = captured_listing(sessions, store, external_id="CAP1")
    bare = stored_listing(sessions, external_id="BARE")
    _confirm(sessions, captured.listing_id, bare.listing_id)
    result = _export(sessions, store, [captured.listing_id, bare.listing_id], tmp_path / "pkg")
    folder = result.package_path / "test-market"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    records = {record["external_id"]: record for record in manifest["listings"]}
    assert records["BARE"]["captures"] == []
    assert records["BARE"]["evidence_gap"] == "no evidence was captured for this listing"
    assert records["CAP1"]["evidence_gap"] is None and len(records["CAP1"]["captures"]) == 1
    assert manifest["listings_without_evidence"] == [bare.listing_id]
    assert sorted(p.name for p in (folder / "evidence").iterdir()) == [f"listing-{captured.listing_id}"]
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "Evidence gap: no evidence was captured for 1 of the 2 listings\n(BARE)." in html
    assert html.count("Evidence gap: no evidence was captured for this listing.") == 1
    assert '<td colspan="5">None: no evidence was captured for this listing.</td>' in html
    notice = " ".join((folder / "notice.txt").read_text(encoding="utf-8").split())
    assert notice.count("EVIDENCE GAP: no evidence was captured for this listing.") == 1
    assert notice.index("2. L8star BM10 mini phone") < notice.index("EVIDENCE GAP")  # under BARE, listed 2nd
    assert "URL: http://market.test/item/BARE" in notice
    assert verify_package(result.package_path) == []
    with sessions() as session:
        for listing_id in (captured.listing_id, bare.listing_id):
            assert session.get(Listing, listing_id).review_status is ReviewStatus.REFERRED  # type: ignore[union-attr]
        [referred] = [e for e in custody_entries(session, [bare.listing_id]) if e.action == "review.referred"]
        assert referred.evidence_hashes == []


def test_an_analyst_cannot_export_and_a_taken_path_is_refused(tmp_path: Path) -> None:
    sessions, store = _sessions(f"sqlite:///{tmp_path / 'db.sqlite'}"), EvidenceStore(tmp_path / "evidence")
    item = captured_listing(sessions, store)
    _confirm(sessions, item.listing_id)
    out = tmp_path / "referral.zip"
    with pytest.raises(ReferralError, match="confirmed -> referred needs the supervisor role"):
        _export(sessions, store, [item.listing_id], out, role=Role.ANALYST)
    _nothing_written(sessions, out)
    out.write_bytes(b"earlier package")
    with pytest.raises(ReferralError, match="already exists: a package is never overwritten"):
        _export(sessions, store, [item.listing_id], out)
    assert out.read_bytes() == b"earlier package"


def test_allow_unreviewed_confirms_through_the_workflow_first(tmp_path: Path) -> None:
    sessions, store = _sessions(f"sqlite:///{tmp_path / 'db.sqlite'}"), EvidenceStore(tmp_path / "evidence")
    item = captured_listing(sessions, store)
    _export(sessions, store, [item.listing_id], tmp_path / "pkg", allow_unreviewed=True)
    with sessions() as session:
        actions = [(e.action, e.details.get("note")) for e in custody_entries(session, [item.listing_id])]
    assert actions == [
        ("capture", None),
        ("review.confirmed", "confirmed at export (--allow-unreviewed)"),
        ("review.referred", "referral 1"),
    ]


def test_four_eyes_rule_stops_a_supervisor_referring_their_own_confirmation(tmp_path: Path) -> None:
    sessions, store = _sessions(f"sqlite:///{tmp_path / 'db.sqlite'}"), EvidenceStore(tmp_path / "evidence")
    mine, theirs = (captured_listing(sessions, store, external_id=x) for x in ("M1", "T1"))
    with sessions.begin() as session:
        for item, who in ((mine, "sup"), (theirs, "ana")):
            assert item.listing_id is not None
            transition_listing(
                session, item.listing_id, ReviewStatus.CONFIRMED, actor=who, role=Role.SUPERVISOR
            )
    out = tmp_path / "referral.zip"
    with pytest.raises(ReferralError, match=f"listing {mine.listing_id}: confirmed by sup themselves"):
        _export(sessions, store, [mine.listing_id, theirs.listing_id], out, four_eyes=True)
    _nothing_written(sessions, out)
    with pytest.raises(ReferralError, match="no confirming and referring at once"):
        _export(sessions, store, [theirs.listing_id], out, four_eyes=True, allow_unreviewed=True)
    result = _export(sessions, store, [theirs.listing_id], out, four_eyes=True)
    assert [r.listing_ids for r in result.referrals] == [(theirs.listing_id,)]


def test_verify_store_names_a_tampered_blob_a_missing_blob_a_size_and_a_broken_chain(
    database_url: str, tmp_path: Path
) -> None:
    sessions, store = _sessions(database_url), EvidenceStore(tmp_path / "evidence")
    captured_listing(sessions, store, external_id="A1")
    captured_listing(sessions, store, external_id="B2", screenshot=False)
    with sessions() as session:
        assert verify_store(session, store) == []
        entries = custody_entries(session)
    tampered = store.path_for(entries[0].evidence_hashes[0])
    tampered.chmod(0o644)
    tampered.write_bytes(tampered.read_bytes() + b"x")
    missing = entries[1].evidence_hashes[0]
    store.path_for(missing).unlink()
    with sessions.begin() as session:
        session.get(CustodyEntry, entries[0].id).actor = "someone else"  # type: ignore[union-attr]
    with sessions() as session:
        found = {(p.subject, p.kind) for p in verify_store(session, store)}
        items = {
            item.sha256: f"evidence item {item.id} ({item.kind} of capture {item.capture_id}, listing {lid})"
            for item, lid in session.execute(select(EvidenceItem, Capture.listing_id).join(Capture))
        }
    assert found == {
        (f"custody entry {entries[0].id}", "chain"),
        (f"blob {tampered.name}", "altered_blob"),
        (items[tampered.name], "size"),
        (items[missing], "missing_blob"),
    }


def test_legal_basis_file_by_country_with_default_and_errors_named(tmp_path: Path) -> None:
    texts = read_legal_basis_file(REPO / "examples" / "legal_basis.toml")
    assert set(texts) == {"default", "FR"} and "434-35" in texts["FR"]
    bad = tmp_path / "basis.yaml"
    bad.write_text("legal_basis:\n  France: text\n", encoding="utf-8")
    with pytest.raises(NoticeConfigError, match=rf"{bad}: key 'France' is neither a 2-letter country code"):
        read_legal_basis_file(bad)


def test_a_notice_needs_the_unit_name_and_email(monkeypatch: pytest.MonkeyPatch) -> None:
    from crawler.config import get_settings

    monkeypatch.setenv("THUMBWATCH_UNIT_EMAIL", "cyber@unit.example")
    get_settings.cache_clear()
    with pytest.raises(NoticeConfigError, match=r"\(DSA Art. 16\(2\)\(c\)\): set THUMBWATCH_UNIT_NAME$"):
        configured_unit()
    monkeypatch.setenv("THUMBWATCH_UNIT_NAME", "Cyber Unit")
    monkeypatch.setenv("THUMBWATCH_UNIT_COUNTRY", "fr")
    monkeypatch.setenv("THUMBWATCH_LEGAL_BASIS_FILE", str(REPO / "examples" / "legal_basis.toml"))
    get_settings.cache_clear()
    unit = configured_unit()
    assert (unit.name, unit.email, unit.country) == ("Cyber Unit", "cyber@unit.example", "FR")
    assert unit.legal_basis.startswith("Les articles proposés")


# -- the command line, in a child process ---------------------------------------------------------

UNIT_ENV = {"THUMBWATCH_UNIT_NAME": "Cyber Unit CLI", "THUMBWATCH_UNIT_EMAIL": "cli@unit.example"}


def _home_with_confirmed_listing(home: Path) -> int:
    sessions = _sessions(db_url(home))
    item = captured_listing(sessions, EvidenceStore(home / "evidence"))
    _confirm(sessions, item.listing_id)
    assert item.listing_id is not None
    return item.listing_id


def test_cli_exports_a_package_then_verifies_it_and_the_store(tmp_path: Path) -> None:
    home = tmp_path / "home"
    listing_id = _home_with_confirmed_listing(home)
    out = tmp_path / "referral.zip"
    done = run_cli(
        home, "export", "referral", str(listing_id), "--out", str(out), "--format", "json", env=UNIT_ENV
    )
    assert done.returncode == 0, done.stderr
    [row] = json.loads(done.stdout)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert row == {
        "referral_id": 1,
        "marketplace": "test-market",
        "listings": str(listing_id),
        "package": str(out),
        "package_sha256": digest,
    }
    assert f"package {out}  sha256 {digest}" in done.stderr
    checked = run_cli(home, "verify", str(out))
    assert (checked.returncode, checked.stdout) == (0, "")
    store_check = run_cli(home, "verify")
    assert store_check.returncode == 0, store_check.stdout + store_check.stderr
    with _sessions(db_url(home))() as session:
        entries = custody_entries(session)
        assert [e.action for e in entries][-3:] == ["export.referral", "verify.package", "verify.store"]
        assert entries[-2].details["package_sha256"] == digest and entries[-2].details["ok"] is True
        assert verify_chain(entries) == []


def test_cli_verify_fails_with_each_problem_named(tmp_path: Path) -> None:
    home = tmp_path / "home"
    listing_id = _home_with_confirmed_listing(home)
    out = tmp_path / "pkg"
    assert (
        run_cli(home, "export", "referral", str(listing_id), "--out", str(out), env=UNIT_ENV).returncode == 0
    )
    (out / "test-market" / "notice.txt").write_text("edited", encoding="utf-8")
    checked = run_cli(home, "verify", str(out), "--no-record")
    assert checked.returncode == 1
    assert checked.stdout == "test-market/notice.txt: changed: SHA-256 differs from SHA256SUMS\n"
    blob = next((home / "evidence").glob("??/*"))
    blob.chmod(0o644)
    blob.write_bytes(b"tampered")
    store_check = run_cli(home, "verify")
    assert store_check.returncode == 1
    assert f"blob {blob.name}: content does not match its name (altered)" in store_check.stdout
    assert "1 problem(s)" in store_check.stderr or "2 problem(s)" in store_check.stderr


def test_cli_usage_errors_exit_2_and_write_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    listing_id = _home_with_confirmed_listing(home)
    out = tmp_path / "referral.zip"
    unknown = run_cli(home, "export", "referral", "999", "--out", str(out), env=UNIT_ENV)
    assert unknown.returncode == 2 and "no listing with id 999" in unknown.stderr
    no_unit = run_cli(home, "export", "referral", str(listing_id), "--out", str(out))
    assert no_unit.returncode == 2
    assert "set THUMBWATCH_UNIT_NAME and THUMBWATCH_UNIT_EMAIL" in " ".join(no_unit.stderr.split())
    assert not out.exists()
    absent = run_cli(home, "verify", str(tmp_path / "nothing.zip"))
    assert absent.returncode == 2 and "no such package" in absent.stderr


def test_cli_verifies_a_package_with_no_database(tmp_path: Path, package: dict[str, Any]) -> None:
    fresh = tmp_path / "fresh-home"
    checked = run_cli(fresh, "verify", str(package["result"].package_path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "not recorded" in checked.stderr and not (fresh / "thumbwatch.db").exists()
