"""`thumbwatch rescore`: listings stored under an older catalog are re-scored with the full one;
exactly the listings that moved are reported, a second run moves nothing, old hits are kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from crawler.items import ListingItem
from crawler.rescore import _shared_url, rescore
from matching import MATCHER_VERSION, Matcher, MatchResult, Reason, get_matcher, load_catalog
from storage import Hit, ListingSnapshot, create_db_engine, session_factory, upgrade_database
from storage.repository import list_hits, store_listings
from tests.e2e_support import db_url, run_cli

T0 = datetime(2026, 5, 20, 8, 0, tzinfo=UTC)
BUNDLED = Path(__file__).resolve().parents[1] / "matching" / "catalog.yaml"

BM10 = "L8star BM10 mini phone dual SIM"
J8_DIALER = "LONG-CZ J8 mini phone with Bluetooth dialer"
J8_ATTRS = "LONG CZ J8 telefono"
IPHONE = "Apple iPhone 13 mini 128GB"
ZANCO = "Zanco tiny t1 smallest phone"
NOKIA = "Nokia 105 phone"

# (title, change, score before -> after, tier before -> after, device before -> after)
EXPECTED_MOVED = {
    J8_DIALER: ("tier, device, score", 60, 95, "medium", "high", None, "long-cz-j8"),
    J8_ATTRS: ("tier, device, score", 40, 60, "low", "medium", None, "long-cz-j8"),
    IPHONE: ("no longer flagged, device, score", 90, 0, "high", "none", "l8star-bm10", None),
    ZANCO: ("newly flagged", None, 94, None, "high", None, "zanco-tiny-t1"),
}


def _catalog_without(tmp_path: Path, device_id: str) -> Path:
    data = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    data["devices"] = [d for d in data["devices"] if d["id"] != device_id]
    path = tmp_path / "catalog-old.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _stale_match() -> MatchResult:
    """A flagged verdict from an older matcher that the current one no longer gives."""
    return MatchResult(
        score=90,
        tier="high",
        flagged=True,
        device_id="l8star-bm10",
        device_name="L8star BM10",
        reasons=(Reason("model", "names L8star BM10", 90.0, "title", (0, 5), "Apple"),),
        matcher_version="2024.9",
        catalog_version="cat-old",
    )


def _item(
    external_id: str, title: str, description: str = "", attributes: dict[str, str] | None = None
) -> ListingItem:
    return ListingItem(
        marketplace="test-market",
        external_id=external_id,
        url=f"http://market.test/item/{external_id}",
        title=title,
        fetched_at=T0,
        description=description,
        price=Decimal("19.99"),
        currency="EUR",
        attributes=attributes or {},
    )


def _store_old(sessions: sessionmaker[Session], tmp_path: Path, copies: int = 1) -> Matcher:
    """The six listings above (`copies` times over), with the verdicts an older catalog gave."""
    old = Matcher(load_catalog(_catalog_without(tmp_path, "long-cz-j8")))
    items = []
    for copy in range(copies):
        suffix = f"-{copy}" if copy else ""
        group = [
            _item(f"bm10{suffix}", BM10, "Size 68x28x13mm, 350mAh"),
            _item(f"j8-dialer{suffix}", J8_DIALER, "Small 2G phone"),
            _item(f"j8-attrs{suffix}", J8_ATTRS, attributes={"Peso": "25 g"}),
            _item(f"iphone{suffix}", IPHONE, "Unlocked smartphone"),
            _item(f"zanco{suffix}", ZANCO),  # stored without a verdict: never scored
            _item(f"nokia{suffix}", NOKIA),
        ]
        for item in group:
            if item.title not in (IPHONE, ZANCO):
                item.match = old.score_listing(item.title, item.description, item.attributes)
        group[3].match = _stale_match()
        items += group
    with sessions.begin() as session:
        store_listings(session, items, now=T0)
    return old


def _moved_by_title(rows: list[dict]) -> dict[str, tuple]:
    return {
        r["title"]: (
            r["change"],
            r["score_before"],
            r["score_after"],
            r["tier_before"],
            r["tier_after"],
            r["device_before"],
            r["device_after"],
        )
        for r in rows
    }


def _hit_count(sessions: sessionmaker[Session], **where: str) -> int:
    with sessions() as session:
        stmt = select(func.count()).select_from(Hit).filter_by(**where)
        return int(session.scalar(stmt) or 0)


def test_rescore_reports_exactly_what_moved_and_is_idempotent(database_url: str, tmp_path: Path) -> None:
    sessions = session_factory(upgrade_database(database_url))
    old = _store_old(sessions, tmp_path)
    assert _hit_count(sessions) == 4  # crawl-time hits: flagged listings only
    matcher = get_matcher()
    assert old.catalog.version != matcher.catalog.version

    first = rescore(sessions, matcher, batch_size=4, now=T0 + timedelta(days=1))
    assert (first.listings, first.flagged, first.hits_written) == (6, 4, 5)
    assert _moved_by_title([m.to_row() for m in first.moved]) == EXPECTED_MOVED
    assert {m.title: m.to_row()["score_delta"] for m in first.moved} == {
        J8_DIALER: 35,
        J8_ATTRS: 20,
        IPHONE: -90,
        ZANCO: None,
    }
    assert (first.count("newly flagged"), first.count("no longer flagged"), first.count("tier")) == (1, 1, 2)
    version = {"matcher_version": MATCHER_VERSION, "catalog_version": matcher.catalog.version}
    # BM10, both J8s, Zanco flagged; the iPhone's "none" verdict recorded to supersede its old hit.
    assert _hit_count(sessions, **version) == 5
    assert _hit_count(sessions, **version, tier="none") == 1
    assert _hit_count(sessions, catalog_version=old.catalog.version) == 3  # old hits kept
    assert _hit_count(sessions, catalog_version="cat-old") == 1
    with sessions() as session:
        assert sorted(r["title"] for r in list_hits(session)) == sorted([BM10, J8_DIALER, J8_ATTRS, ZANCO])
        # every new hit points at the snapshot of the content it scored
        linked = session.scalar(
            select(func.count())
            .select_from(Hit)
            .join(ListingSnapshot, ListingSnapshot.id == Hit.snapshot_id)
            .filter(Hit.catalog_version == matcher.catalog.version)
        )
        assert linked == 5

    second = rescore(sessions, matcher, batch_size=4, now=T0 + timedelta(days=2))
    assert (second.listings, second.flagged, second.hits_written, second.moved) == (6, 4, 0, [])
    with sessions() as session:
        stamps = set(session.scalars(select(Hit.updated_at).filter_by(**version)))
    assert stamps == {T0 + timedelta(days=1)}  # nothing rewritten


def test_a_dry_run_reports_what_a_run_would_move_and_stores_nothing(
    database_url: str, tmp_path: Path
) -> None:
    sessions = session_factory(upgrade_database(database_url))
    _store_old(sessions, tmp_path)
    matcher = get_matcher()
    dry = rescore(sessions, matcher, batch_size=4, now=T0 + timedelta(days=1), dry_run=True)
    assert (dry.dry_run, dry.listings, dry.flagged, dry.hits_written) == (True, 6, 4, 5)
    assert _moved_by_title([m.to_row() for m in dry.moved]) == EXPECTED_MOVED
    assert dry.summary().endswith("5 hits would be written (dry run: nothing stored)")
    assert _hit_count(sessions) == 4  # the crawl's hits, untouched

    real = rescore(sessions, matcher, batch_size=4, now=T0 + timedelta(days=1))
    assert [m.to_row() for m in real.moved] == [m.to_row() for m in dry.moved]
    assert (real.dry_run, real.hits_written) == (False, 5)
    assert _hit_count(sessions) == 9


def test_progress_is_reported_after_every_range(tmp_path: Path) -> None:
    sessions = session_factory(upgrade_database(f"sqlite:///{tmp_path / 'progress.db'}"))
    _store_old(sessions, tmp_path, copies=2)
    seen: list[tuple[int, int, int]] = []
    report = rescore(
        sessions,
        get_matcher(),
        batch_size=5,
        now=T0 + timedelta(days=1),
        on_progress=lambda so_far, total: seen.append((so_far.listings, len(so_far.moved), total)),
    )
    assert seen == [(5, 4, 12), (10, 7, 12), (12, 8, 12)]
    assert (report.listings, len(report.moved)) == (12, 8)


def test_rescore_back_to_the_old_catalog_moves_them_back(tmp_path: Path) -> None:
    sessions = session_factory(upgrade_database(f"sqlite:///{tmp_path / 'back.db'}"))
    old = _store_old(sessions, tmp_path)
    rescore(sessions, get_matcher(), now=T0 + timedelta(days=1))
    back = rescore(sessions, old, now=T0 + timedelta(days=2))
    moved = _moved_by_title([m.to_row() for m in back.moved])
    assert moved[J8_DIALER] == ("tier, device, score", 95, 60, "high", "medium", "long-cz-j8", None)
    assert set(moved) == {J8_DIALER, J8_ATTRS}


def test_rescore_in_helper_processes_gives_what_one_process_gives(database_url: str, tmp_path: Path) -> None:
    """From `parallel_min` listings on, ranges of listings are re-scored in helper processes,
    each on its own connection: the report and the stored hits are those of one process."""
    sessions = session_factory(upgrade_database(database_url))
    _store_old(sessions, tmp_path, copies=10)
    matcher = Matcher(get_matcher().catalog, parallel_min=10)
    report = rescore(sessions, matcher, batch_size=4, now=T0 + timedelta(days=1))
    assert matcher._parallel is not None and matcher._parallel.alive()  # helpers did take part
    assert (report.listings, report.flagged, report.hits_written) == (60, 40, 50)
    assert [m.listing_id for m in report.moved] == sorted(m.listing_id for m in report.moved)
    moved = [m.to_row() for m in report.moved]
    assert len(moved) == 40
    for copy in range(10):
        assert _moved_by_title(moved[copy * 4 : copy * 4 + 4]) == EXPECTED_MOVED
    version = {"matcher_version": MATCHER_VERSION, "catalog_version": matcher.catalog.version}
    assert _hit_count(sessions, **version) == 50
    again = rescore(sessions, matcher, batch_size=4, now=T0 + timedelta(days=2))
    assert (again.listings, again.hits_written, again.moved) == (60, 0, [])
    matcher._parallel.close()


def test_helpers_open_a_relative_sqlite_path_where_the_caller_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # helpers run in the project's directory, not the caller's
    sessions = session_factory(upgrade_database("sqlite:///relative.db"))
    _store_old(sessions, tmp_path, copies=3)
    matcher = Matcher(get_matcher().catalog, parallel_min=5)
    report = rescore(sessions, matcher, batch_size=2, now=T0 + timedelta(days=1))
    assert (report.listings, report.hits_written, len(report.moved)) == (18, 15, 12)
    assert matcher._parallel is not None
    matcher._parallel.close()
    assert not (Path(__file__).resolve().parents[1] / "relative.db").exists()


def test_only_a_database_other_processes_can_open_is_shared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    def shared(url: str) -> str | None:
        return _shared_url(session_factory(create_db_engine(url)))

    assert shared("sqlite://") is None and shared("sqlite:///:memory:") is None
    assert shared("sqlite:///some/where.db") == f"sqlite:///{Path('some/where.db').resolve()}"
    assert shared("postgresql://u:secret@db.example/x") == "postgresql+psycopg://u:secret@db.example/x"


# -- through the CLI (needs `rescore` registered in crawler/cli.py) -------------------------------


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "table"])
def test_cli_rescore(tmp_path: Path, fmt: str) -> None:
    home = tmp_path / "cli-home"
    home.mkdir()
    sessions = session_factory(upgrade_database(db_url(home)))
    _store_old(sessions, tmp_path)
    result = run_cli(home, "rescore", "--format", fmt)
    assert result.returncode == 0, result.stderr
    assert "6 listings re-scored" in result.stderr and "4 flagged, 4 moved" in result.stderr
    if fmt == "json":
        assert _moved_by_title(json.loads(result.stdout)) == EXPECTED_MOVED
    elif fmt == "jsonl":
        assert _moved_by_title([json.loads(line) for line in result.stdout.splitlines()]) == EXPECTED_MOVED
    elif fmt == "csv":
        assert result.stdout.splitlines()[0].startswith(
            "listing_id,change,score_before,score_after,score_delta"
        )
        assert len(result.stdout.splitlines()) == 5
    else:
        assert all(title in result.stdout for title in EXPECTED_MOVED)
    again = run_cli(home, "rescore", "--format", "json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == []
    assert "0 moved" in again.stderr and "0 hits written" in again.stderr


def test_cli_dry_run_previews_a_candidate_catalog(tmp_path: Path) -> None:
    # A unit checks what a catalog file would move before importing it: THUMBWATCH_CATALOG_PATH
    # points the command at the file, and --dry-run stores nothing.
    home = tmp_path / "cli-home"
    home.mkdir()
    sessions = session_factory(upgrade_database(db_url(home)))
    _store_old(sessions, tmp_path)
    candidate = {"THUMBWATCH_CATALOG_PATH": str(_catalog_without(tmp_path, "long-cz-j8"))}
    result = run_cli(home, "rescore", "--dry-run", "--format", "json", env=candidate)
    assert result.returncode == 0, result.stderr
    # The catalog the listings were stored with: only the stale and the unscored verdicts move.
    assert set(_moved_by_title(json.loads(result.stdout))) == {IPHONE, ZANCO}
    result = run_cli(home, "rescore", "--dry-run", "--format", "json")  # the catalog in force
    assert result.returncode == 0, result.stderr
    assert _moved_by_title(json.loads(result.stdout)) == EXPECTED_MOVED
    assert "5 hits would be written (dry run: nothing stored)" in result.stderr
    assert _hit_count(sessions) == 4
