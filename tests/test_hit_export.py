"""Exports of hits for other agencies: the filters, the STIX 2.1 bundle, the MISP event, CSV and
JSON Lines, and ``thumbwatch export hits`` / ``thumbwatch hits`` with their usage errors."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import stix2
from pymisp import MISPEvent
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from crawler.cli import app
from evidence.custody import custody_entries, verify_chain
from evidence.hit_export import CSV_COLUMNS, HitFormat, render_hits
from evidence.misp_event import misp_event
from evidence.share import ShareContext, ShareError, share_records
from evidence.stix_bundle import stix_bundle
from evidence.store import EvidenceStore
from matching.catalog import load_catalog
from review.workflow import Role, transition_listing
from storage.db import session_factory, upgrade_database
from storage.models import EvidenceItem, ReviewStatus
from storage.repository import HitFilters, list_hits, store_listings
from tests.e2e_support import db_url
from tests.factories import captured_listing, make_item

MAY = {day: datetime(2026, 5, day, 8, 0, tzinfo=UTC) for day in (1, 10, 20)}
EXPORTED_AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HOSTILE_TITLE = '=HYPERLINK("http://evil.example") Zanco tiny t1'
CONTEXT = ShareContext("Cyber Unit Test", "cyber@unit.example", "Operation Thumb", "amber", EXPORTED_AT)


def _store(sessions: sessionmaker[Session], marketplace: str, external_id: str, **match: Any) -> int:
    item = make_item(external_id=external_id, fetched_at=MAY[10])
    item.marketplace = marketplace
    assert item.match is not None
    item.match = replace(item.match, **match)
    if marketplace == "beta.example":
        item.seller_name = item.seller_url = None
        item.title = HOSTILE_TITLE
    if external_id == "C3":
        item.fetched_at = MAY[20]
    with sessions.begin() as session:
        store_listings(session, [item])
    assert item.listing_id is not None
    return item.listing_id


def fill(sessions: sessionmaker[Session], store: EvidenceStore) -> dict[str, int]:
    """A1 (alpha, BM10, high, new, May 1, captured), B2 (alpha, Zanco, medium, confirmed, May 10),
    C3 (beta, Zanco, low, new, May 20, no seller, hostile title), D4 (alpha, not flagged)."""
    a1 = captured_listing(
        sessions, store, MAY[1], marketplace="alpha.example", external_id="A1", fetched_at=MAY[1]
    )
    assert a1.listing_id is not None
    zanco = {"device_id": "zanco-tiny-t1", "device_name": "Zanco tiny t1"}
    ids = {
        "A1": a1.listing_id,
        "B2": _store(sessions, "alpha.example", "B2", score=70, tier="medium", **zanco),
        "C3": _store(sessions, "beta.example", "C3", score=40, tier="low", **zanco),
        "D4": _store(sessions, "alpha.example", "D4", score=10, tier="none", flagged=False, device_id=None),
    }
    with sessions.begin() as session:
        transition_listing(session, ids["B2"], ReviewStatus.CONFIRMED, actor="ana", role=Role.ANALYST)
    return ids


@pytest.fixture
def filled(database_url: str, tmp_path: Path) -> tuple[sessionmaker[Session], EvidenceStore, dict[str, int]]:
    sessions = session_factory(upgrade_database(database_url))
    store = EvidenceStore(tmp_path / "evidence")
    return sessions, store, fill(sessions, store)


def _ids(sessions: sessionmaker[Session], filters: HitFilters, min_score: int = 0) -> list[int]:
    with sessions() as session:
        return [row["listing_id"] for row in list_hits(session, min_score=min_score, filters=filters)]


def test_each_filter_narrows_the_hits(
    filled: tuple[sessionmaker[Session], EvidenceStore, dict[str, int]],
) -> None:
    sessions, _store, ids = filled
    a1, b2, c3 = ids["A1"], ids["B2"], ids["C3"]
    assert _ids(sessions, HitFilters()) == [a1, b2, c3]  # best score first; D4 is not a hit
    assert _ids(sessions, HitFilters(marketplaces=("alpha.example",))) == [a1, b2]
    assert _ids(sessions, HitFilters(marketplaces=("beta.example", "alpha.example"))) == [a1, b2, c3]
    assert _ids(sessions, HitFilters(devices=("zanco-tiny-t1",))) == [b2, c3]
    assert _ids(sessions, HitFilters(tiers=("low", "high"))) == [a1, c3]
    assert _ids(sessions, HitFilters(statuses=(ReviewStatus.CONFIRMED,))) == [b2]
    assert _ids(sessions, HitFilters(first_seen_from=MAY[10])) == [b2, c3]
    assert _ids(sessions, HitFilters(first_seen_before=MAY[10])) == [a1]
    assert _ids(sessions, HitFilters(first_seen_from=MAY[1], first_seen_before=MAY[20])) == [a1, b2]
    both = HitFilters(marketplaces=("alpha.example",), devices=("zanco-tiny-t1",))
    assert _ids(sessions, both) == [b2]
    assert _ids(sessions, HitFilters(statuses=(ReviewStatus.REFERRED,))) == []
    assert _ids(sessions, HitFilters(), min_score=50) == [a1, b2]


def _records(sessions: sessionmaker[Session]) -> list[dict[str, Any]]:
    with sessions() as session:
        return share_records(session, list_hits(session), load_catalog())


def test_share_records_carry_seller_family_and_evidence(
    filled: tuple[sessionmaker[Session], EvidenceStore, dict[str, int]],
) -> None:
    sessions, _store, ids = filled
    a1, b2, c3 = _records(sessions)
    assert a1["seller_account"] == {
        "external_id": "http://market.test/seller/1",
        "name": "Seller One",
        "url": "http://market.test/seller/1",
    }
    assert c3["seller_account"] is None
    assert (a1["device_family"], b2["device_family"]) == ("bm10", "zanco-tiny-t1")
    with sessions() as session:
        items = session.scalars(select(EvidenceItem).order_by(EvidenceItem.id)).all()
    assert [(e["kind"], e["sha256"], e["size"]) for e in a1["evidence"]] == [
        (i.kind, i.sha256, i.size) for i in items
    ]
    assert a1["evidence"][0]["file"] == f"evidence/listing-{ids['A1']}/capture-1-warc.warc"
    assert b2["evidence"] == [] and c3["evidence"] == []


def _by_type(bundle: Any) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for obj in bundle.objects:
        found.setdefault(obj.type, []).append(obj)
    return found


def test_stix_bundle_parses_without_custom_content_and_every_object_validates(
    filled: tuple[sessionmaker[Session], EvidenceStore, dict[str, int]],
) -> None:
    sessions, _store, _ids = filled
    records = _records(sessions)
    text = render_hits(records, HitFormat.STIX, CONTEXT).decode()
    bundle = stix2.parse(text, allow_custom=False)
    assert isinstance(bundle, stix2.v21.Bundle)
    for obj in json.loads(text)["objects"]:
        parsed = stix2.parse(obj, allow_custom=False)  # each object on its own: validated again
        assert json.loads(parsed.serialize()) == obj
        assert not any(key.startswith("x_") for key in obj)
    objects = _by_type(bundle)
    assert {kind: len(found) for kind, found in objects.items()} == {
        "identity": 1,
        "marking-definition": 1,
        "url": 4,  # three listings and the alpha seller's page
        "user-account": 1,  # A1 and B2 have the same seller; C3 shows none
        "observed-data": 3,
        "file": 3,
        "note": 3,
        "grouping": 1,
    }
    [identity], [grouping] = objects["identity"], objects["grouping"]
    assert (identity.name, identity.contact_information) == ("Cyber Unit Test", "cyber@unit.example")
    assert grouping.name == "Operation Thumb" and grouping.context == "suspicious-activity"
    listed = {o.id for o in bundle.objects if o.type not in ("identity", "marking-definition", "grouping")}
    assert set(grouping.object_refs) == listed
    for obj in bundle.objects:
        if obj.type != "marking-definition":
            assert obj.object_marking_refs == [stix2.TLP_AMBER.id]
        if obj.type in ("observed-data", "note", "grouping"):
            assert obj.created_by_ref == identity.id
    assert {u.value for u in objects["url"]} == {r["url"] for r in records} | {"http://market.test/seller/1"}
    [account] = objects["user-account"]
    assert (account.account_login, account.account_type, account.display_name) == (
        "http://market.test/seller/1",
        "alpha.example",
        "Seller One",
    )
    assert sorted(f.hashes["SHA-256"] for f in objects["file"]) == sorted(
        e["sha256"] for e in records[0]["evidence"]
    )
    # observables have stix2's deterministic ids: anyone building the same observable gets the same id
    assert stix2.URL(value=records[0]["url"]).id in listed
    assert stix2.File(hashes={"SHA-256": records[0]["evidence"][0]["sha256"]}).id in listed
    first_seen = {o.first_observed.isoformat() for o in objects["observed-data"]}
    assert first_seen == {MAY[1].isoformat(), MAY[10].isoformat(), MAY[20].isoformat()}
    assert render_hits(records, HitFormat.STIX, CONTEXT).decode() == text  # same clock, same bundle


@pytest.mark.parametrize(
    ("tlp", "marking", "statement"),
    [
        ("clear", stix2.TLP_WHITE, False),
        ("green", stix2.TLP_GREEN, False),
        ("amber", stix2.TLP_AMBER, False),
        ("amber+strict", stix2.TLP_AMBER, True),
        ("red", stix2.TLP_RED, False),
    ],
)
def test_stix_tlp_marking_is_configurable(
    filled: tuple[sessionmaker[Session], EvidenceStore, dict[str, int]],
    tlp: str,
    marking: Any,
    statement: bool,
) -> None:
    sessions, _store, _ids = filled
    bundle = stix2.parse(
        stix_bundle(_records(sessions), replace(CONTEXT, tlp=tlp)).serialize(),
        allow_custom=False,  # type: ignore[arg-type]
    )
    definitions = _by_type(bundle)["marking-definition"]
    assert definitions[0].id == marking.id
    assert [d.definition_type for d in definitions[1:]] == (["statement"] if statement else [])
    if statement:
        assert definitions[1].definition.statement.startswith("TLP:AMBER+STRICT")
    note = _by_type(bundle)["note"][0]
    assert note.object_marking_refs == [d.id for d in definitions]


def test_misp_event_round_trips_with_standard_objects_and_tags(
    filled: tuple[sessionmaker[Session], EvidenceStore, dict[str, int]],
) -> None:
    sessions, _store, ids = filled
    records = _records(sessions)
    text = render_hits(records, HitFormat.MISP, replace(CONTEXT, tlp="amber+strict")).decode()
    event = MISPEvent()
    event.load(text)
    assert event.info.startswith("Operation Thumb: 3 marketplace listing(s)")
    assert [t.name for t in event.tags] == [
        "tlp:amber+strict",
        'thumbwatch:device-family="bm10"',
        'thumbwatch:device-family="zanco-tiny-t1"',
    ]
    names = [o.name for o in event.objects]
    assert sorted(names) == ["file"] * 3 + ["url"] * 3 + ["user-account"]
    urls = {o.uuid: o for o in event.objects if o.name == "url"}
    by_url = {o.get_attributes_by_relation("url")[0].value: o for o in urls.values()}
    assert set(by_url) == {r["url"] for r in records}
    a1_url = by_url[records[0]["url"]]
    url_attribute = a1_url.get_attributes_by_relation("url")[0]
    assert [t.name for t in url_attribute.tags] == [
        'thumbwatch:device="l8star-bm10"',
        'thumbwatch:device-family="bm10"',
    ]
    assert a1_url.get_attributes_by_relation("first-seen")[0].value == MAY[1]
    [account] = [o for o in event.objects if o.name == "user-account"]
    assert account.get_attributes_by_relation("user-id")[0].value == "http://market.test/seller/1"
    assert [(r.referenced_uuid, r.relationship_type) for r in a1_url.ObjectReference] == [
        (account.uuid, "published-by")
    ]
    files = [o for o in event.objects if o.name == "file"]
    assert sorted(f.get_attributes_by_relation("sha256")[0].value for f in files) == sorted(
        e["sha256"] for e in records[0]["evidence"]
    )
    for file in files:
        [reference] = file.ObjectReference
        kind = (
            "screenshot-of"
            if file.get_attributes_by_relation("mimetype")[0].value == "image/png"
            else "derived-from"
        )
        assert (reference.referenced_uuid, reference.relationship_type) == (a1_url.uuid, kind)
    assert all(not a.to_ids for o in event.objects for a in o.attributes)
    assert ids["D4"] not in {r["listing_id"] for r in records}


def test_csv_and_jsonl_carry_every_listing_and_defuse_formulas(
    filled: tuple[sessionmaker[Session], EvidenceStore, dict[str, int]],
) -> None:
    sessions, _store, ids = filled
    records = _records(sessions)
    rows = list(csv.DictReader(io.StringIO(render_hits(records, HitFormat.CSV, None).decode())))
    assert [int(r["listing_id"]) for r in rows] == [ids["A1"], ids["B2"], ids["C3"]]
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert rows[2]["title"] == "'" + HOSTILE_TITLE
    assert rows[0]["evidence_sha256"] == " ".join(
        f"{e['kind']}:{e['sha256']}" for e in records[0]["evidence"]
    )
    assert (rows[0]["seller_id"], rows[2]["seller_id"]) == ("http://market.test/seller/1", "")
    lines = render_hits(records, HitFormat.JSONL, None).decode().splitlines()
    assert [json.loads(line) for line in lines] == json.loads(json.dumps(records))


def test_an_empty_selection_makes_no_stix_bundle_or_misp_event() -> None:
    with pytest.raises(ShareError, match="a STIX bundle needs at least one listing"):
        stix_bundle([], CONTEXT)
    with pytest.raises(ShareError, match="a MISP event needs at least one listing"):
        misp_event([], CONTEXT)
    with pytest.raises(ShareError, match="unknown TLP level 'white'"):
        replace(CONTEXT, tlp="white")  # type: ignore[arg-type]


# -- the command line -----------------------------------------------------------------------------

UNIT_ENV = {"THUMBWATCH_UNIT_NAME": "Cyber Unit CLI", "THUMBWATCH_UNIT_EMAIL": "cli@unit.example"}


@pytest.fixture
def home(isolated_config: Path) -> dict[str, int]:
    sessions = session_factory(upgrade_database(db_url(isolated_config)))
    return fill(sessions, EvidenceStore(isolated_config / "evidence"))


def _cli(*args: str, env: dict[str, str] | None = None) -> Any:
    from crawler.config import get_settings

    get_settings.cache_clear()
    return CliRunner().invoke(app, list(args), env=env)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "stix", "misp"])
def test_cli_exports_to_a_file_and_records_custody(
    home: dict[str, int], isolated_config: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"hits.{fmt}"
    done = _cli(
        "export", "hits", "--format", fmt, "--out", str(out), "--marketplace", "alpha.example",
        "--investigation", "Op Thumb", "--tlp", "green", env=UNIT_ENV,
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    data = out.read_bytes()
    import hashlib

    digest = hashlib.sha256(data).hexdigest()
    assert f"2 listing(s) exported as {fmt} to {out}  sha256 {digest}" in done.output
    if fmt == "stix":
        bundle = stix2.parse(data.decode(), allow_custom=False)
        assert _by_type(bundle)["grouping"][0].name == "Op Thumb"
        assert _by_type(bundle)["marking-definition"][0].id == stix2.TLP_GREEN.id
    elif fmt == "misp":
        event = MISPEvent()
        event.load(data.decode())
        assert event.tags[0].name == "tlp:green" and event.info.startswith("Op Thumb: 2 ")
    elif fmt == "csv":
        assert [int(r["listing_id"]) for r in csv.DictReader(io.StringIO(data.decode()))] == [
            home["A1"],
            home["B2"],
        ]
    else:
        assert [json.loads(line)["listing_id"] for line in data.decode().splitlines()] == [
            home["A1"],
            home["B2"],
        ]
    with session_factory(upgrade_database(db_url(isolated_config)))() as session:
        entries = custody_entries(session)
        assert verify_chain(entries) == []
        entry = entries[-1]
    assert entry.action == "export.hits"
    assert entry.details["sha256"] == digest and entry.details["destination"] == str(out)
    assert entry.details["listing_ids"] == [home["A1"], home["B2"]]
    assert entry.details["filters"] == {"marketplaces": ["alpha.example"], "min_score": 0}
    assert len(entry.evidence_hashes) == 3  # A1's evidence
    again = _cli("export", "hits", "--format", fmt, "--out", str(out), env=UNIT_ENV)
    assert again.exit_code == 2 and "already exists" in again.output and out.read_bytes() == data


@pytest.mark.parametrize(
    ("args", "option", "message"),
    [
        (["--tier", "huge"], "--tier", "'huge' is not one of"),
        (["--status", "pending"], "--status", "'pending' is not one of"),
        (["--since", "2026-13-01"], "--since", "is not a date (YYYY-MM-DD) or an ISO 8601 date-time"),
        (["--since", "2026-05-20", "--until", "2026-05-01"], "--until", "is before --since"),
        (
            ["--marketplace", "gamma.example"],
            "--marketplace",
            "unknown 'gamma.example' (known: alpha.example, beta",
        ),
        (["--device", "nokia-3310"], "--device", "unknown 'nokia-3310'"),
        (["--tlp", "white"], "--tlp", "'white' is not one of clear, green, amber, amber+strict, red"),
        (["--investigation", " "], "--investigation", "the name is empty"),
    ],
)
def test_cli_bad_filter_values_exit_2_naming_the_option(
    home: dict[str, int], args: list[str], option: str, message: str
) -> None:
    done = _cli("export", "hits", "--format", "stix", *args, env=UNIT_ENV)
    flat = " ".join(done.output.replace("│", " ").split())
    assert done.exit_code == 2, done.output
    assert option in flat and message in flat
    if option not in ("--tlp", "--investigation"):
        listing = _cli("hits", *args)
        assert listing.exit_code == 2 and option in " ".join(listing.output.replace("│", " ").split())


def test_cli_stix_needs_the_unit_and_a_hit(home: dict[str, int]) -> None:
    no_unit = _cli("export", "hits", "--format", "misp")
    assert no_unit.exit_code == 2
    assert "set THUMBWATCH_UNIT_NAME and THUMBWATCH_UNIT_EMAIL" in " ".join(no_unit.output.split())
    nothing = _cli("export", "hits", "--format", "stix", "--status", "referred", env=UNIT_ENV)
    assert (
        nothing.exit_code == 2
        and "no hit matches: a STIX bundle needs at least one listing" in nothing.output
    )
    csv_without_unit = _cli("export", "hits", "--format", "csv", "--status", "referred")
    assert csv_without_unit.exit_code == 0 and csv_without_unit.stdout.startswith("listing_id,marketplace,")


def test_cli_hits_takes_the_same_filters(home: dict[str, int]) -> None:
    done = _cli(
        "hits",
        "--format",
        "json",
        "--device",
        "zanco-tiny-t1",
        "--since",
        "2026-05-10",
        "--until",
        "2026-05-10",
    )
    assert done.exit_code == 0, done.output
    assert [row["listing_id"] for row in json.loads(done.stdout)] == [home["B2"]]
    dated = _cli(
        "hits",
        "--format",
        "json",
        "--since",
        "2026-05-10T08:00:00+00:00",
        "--tier",
        "medium",
        "--tier",
        "low",
    )
    assert [row["listing_id"] for row in json.loads(dated.stdout)] == [home["B2"], home["C3"]]
