"""Storage: migrations, idempotent upserts, snapshots, hits, concurrency — on SQLite and,
when configured, PostgreSQL."""

from __future__ import annotations

import json
import multiprocessing
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select, text

from storage import (
    Base,
    CrawlRun,
    DatabaseError,
    Hit,
    Listing,
    ListingSnapshot,
    RunStatus,
    Seller,
    create_db_engine,
    session_factory,
    upgrade_database,
)
from storage.db import SCHEMA_REVISION, current_revision, head_revision, read_session
from storage.repository import (
    IdRange,
    finish_crawl_run,
    hits_for_version,
    latest_hits,
    latest_verdicts,
    list_hits,
    start_crawl_run,
    store_listings,
)
from tests.factories import T0, make_item


def counts(url: str) -> dict[str, int]:
    with session_factory(create_db_engine(url))() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Listing, ListingSnapshot, Hit, Seller)
        }


def test_migrations_create_the_schema_the_models_describe(database_url: str) -> None:
    engine = upgrade_database(database_url)
    tables = set(inspect(engine).get_table_names())
    assert {"marketplaces", "crawl_runs", "listings", "listing_snapshots", "sellers", "hits"} <= tables
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    upgrade_database(database_url)  # a second upgrade is a no-op


def test_the_schema_revision_constant_is_the_newest_migration(database_url: str) -> None:
    # upgrade_database trusts SCHEMA_REVISION to recognise an up-to-date database without Alembic:
    # a new migration must move it too, or databases would never be upgraded to it.
    assert head_revision() == SCHEMA_REVISION
    engine = create_db_engine(database_url)
    assert current_revision(engine) is None  # nothing migrated yet
    upgrade_database(database_url)
    assert current_revision(engine) == SCHEMA_REVISION


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:
    engine = upgrade_database(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


@pytest.mark.parametrize("url", ["nonsense://x", "mysql://root@localhost/x", "not a url at all"])
def test_bad_database_url_is_a_clear_error(url: str) -> None:
    with pytest.raises(DatabaseError, match="database"):
        upgrade_database(url)


def test_recrawl_of_unchanged_listing_only_bumps_last_seen(database_url: str) -> None:
    sessions = session_factory(upgrade_database(database_url))
    with sessions.begin() as session:
        first = store_listings(session, [make_item()])
    with sessions.begin() as session:
        second = store_listings(session, [make_item(fetched_at=T0 + timedelta(days=1))])
    assert (first.snapshots_created, second.snapshots_created) == (1, 0)
    assert counts(database_url) == {"listings": 1, "listing_snapshots": 1, "hits": 1, "sellers": 1}
    with sessions() as session:
        listing = session.scalars(select(Listing)).one()
        assert listing.first_seen == T0
        assert listing.last_seen == T0 + timedelta(days=1)
        assert listing.first_seen.tzinfo is UTC
        snapshot = session.scalars(select(ListingSnapshot)).one()
        assert snapshot.last_seen == T0 + timedelta(days=1)
        assert listing.review_status.value == "new"


def test_stored_items_carry_their_listing_and_snapshot_ids(database_url: str) -> None:
    sessions = session_factory(upgrade_database(database_url))
    items = [make_item(), make_item(external_id="L2"), make_item(fetched_at=T0 + timedelta(days=1))]
    with sessions.begin() as session:
        store_listings(session, items)
    with sessions() as session:
        rows = {
            (listing.external_id, snapshot.id): listing.id
            for listing, snapshot in session.execute(
                select(Listing, ListingSnapshot).join(
                    ListingSnapshot, ListingSnapshot.listing_id == Listing.id
                )
            )
        }
    assert {(item.external_id, item.snapshot_id): item.listing_id for item in items} == rows
    assert items[0].snapshot_id == items[2].snapshot_id


def test_changed_content_adds_a_snapshot_and_updates_the_listing(database_url: str) -> None:
    sessions = session_factory(upgrade_database(database_url))
    with sessions.begin() as session:
        store_listings(session, [make_item()])
    with sessions.begin() as session:
        summary = store_listings(session, [make_item(price="24.50", fetched_at=T0 + timedelta(hours=5))])
    assert summary.snapshots_created == 1
    assert counts(database_url)["listing_snapshots"] == 2
    with sessions() as session:
        listing = session.scalars(select(Listing)).one()
        assert listing.price == Decimal("24.50")
        assert [s.content["price"] for s in listing.snapshots] == ["19.99", "24.50"]


def test_an_older_observation_never_overwrites_a_newer_one(database_url: str) -> None:
    sessions = session_factory(upgrade_database(database_url))
    with sessions.begin() as session:
        store_listings(session, [make_item(price="30.00", fetched_at=T0 + timedelta(days=2))])
    with sessions.begin() as session:
        store_listings(session, [make_item(price="10.00", fetched_at=T0)])
    with sessions() as session:
        listing = session.scalars(select(Listing)).one()
        assert listing.price == Decimal("30.00")
        assert (listing.first_seen, listing.last_seen) == (T0, T0 + timedelta(days=2))
    assert counts(database_url)["listing_snapshots"] == 2  # both contents were seen


def test_hit_is_updated_in_place_and_unflagging_keeps_the_row(database_url: str) -> None:
    sessions = session_factory(upgrade_database(database_url))
    with sessions.begin() as session:
        store_listings(session, [make_item(score=90)])
    with sessions.begin() as session:
        store_listings(
            session, [make_item(score=75, title="L8star BM10 phone", fetched_at=T0 + timedelta(1))]
        )
    with sessions() as session:
        hit = session.scalars(select(Hit)).one()
        assert (hit.score, hit.tier, hit.reasons[0]["span"]) == (75, "high", [0, 11])
        assert len(list_hits(session)) == 1
    with sessions.begin() as session:
        store_listings(session, [make_item(score=5, flagged=False, fetched_at=T0 + timedelta(2))])
    with sessions() as session:
        assert session.scalars(select(Hit)).one().tier == "none"
        assert list_hits(session) == []
    # an unflagged listing never gets a hit row of its own
    with sessions.begin() as session:
        store_listings(session, [make_item(external_id="B2", score=3, flagged=False)])
    assert counts(database_url)["hits"] == 1


def test_one_batch_may_hold_several_observations_of_a_listing(database_url: str) -> None:
    sessions = session_factory(upgrade_database(database_url))
    batch = [
        make_item(price="12.00", fetched_at=T0 + timedelta(hours=2)),
        make_item(price="10.00", fetched_at=T0),
        make_item(external_id="B2", fetched_at=T0),
        make_item(price="12.00", fetched_at=T0 + timedelta(hours=3)),
    ]
    with sessions.begin() as session:
        summary = store_listings(session, batch)
    assert (summary.listings, summary.snapshots_created, summary.hits_written) == (4, 3, 2)
    assert counts(database_url) == {"listings": 2, "listing_snapshots": 3, "hits": 2, "sellers": 1}
    with sessions() as session:
        listing = session.scalars(select(Listing).where(Listing.external_id == "A1")).one()
        assert (listing.price, listing.first_seen, listing.last_seen) == (
            Decimal("12.00"),
            T0,
            T0 + timedelta(hours=3),
        )
        latest = session.scalars(
            select(ListingSnapshot).where(ListingSnapshot.content["price"].as_string() == "12.00")
        ).one()
        assert (latest.first_seen, latest.last_seen) == (T0 + timedelta(hours=3), T0 + timedelta(hours=3))


def test_naive_datetimes_are_refused(database_url: str) -> None:
    sessions = session_factory(upgrade_database(database_url))
    with pytest.raises(Exception, match="naive datetime"), sessions.begin() as session:
        store_listings(session, [make_item(fetched_at=datetime(2026, 1, 1))])
    assert counts(database_url)["listings"] == 0


def test_crawl_run_lifecycle(database_url: str) -> None:
    sessions = session_factory(upgrade_database(database_url))
    with sessions.begin() as session:
        run_id = start_crawl_run(session, "sandbox_bazaar", {"base_url": "http://x"}, pid=123, now=T0)
    with sessions.begin() as session:
        finish_crawl_run(session, run_id, RunStatus.DEGRADED, {"a": 1}, "1 error", now=T0 + timedelta(1))
    with sessions.begin() as session:  # a second close (e.g. by the parent) changes nothing
        finish_crawl_run(session, run_id, RunStatus.FAILED, {}, "late", now=T0 + timedelta(2))
    with sessions() as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        assert (run.status, run.error, run.stats, run.finished_at) == (
            RunStatus.DEGRADED,
            "1 error",
            {"a": 1},
            T0 + timedelta(1),
        )


def _store_in_process(url: str, offset: int) -> None:
    sessions = session_factory(upgrade_database(url))
    items = [make_item(external_id=f"L{n}", fetched_at=T0 + timedelta(minutes=offset)) for n in range(60)]
    for start in range(0, len(items), 10):
        with sessions.begin() as session:
            store_listings(session, items[start : start + 10])


def test_concurrent_writers_create_no_duplicates(database_url: str) -> None:
    upgrade_database(database_url)
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_store_in_process, args=(database_url, n)) for n in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    assert counts(database_url) == {"listings": 60, "listing_snapshots": 60, "hits": 60, "sellers": 1}
    with session_factory(create_db_engine(database_url))() as session:
        last_seen = set(session.scalars(select(Listing.last_seen)))
    assert last_seen == {T0 + timedelta(minutes=2)}


def test_store_worker_batch_sets_row_ids_and_stores_the_rest_when_one_listing_fails(
    database_url: str,
) -> None:
    from crawler.pipelines import store_listing_batch

    engine = upgrade_database(database_url)
    good, other = make_item("G1"), make_item("G2", title="Zanco tiny t1")
    whole = store_listing_batch(database_url, [good, other], None)
    assert whole.problems == [None, None] and whole.batch_problem is None
    assert all(listing and snapshot for listing, snapshot in whole.rows)
    assert whole.summary.listings == 2

    broken = make_item("B1")
    broken.title = None  # type: ignore[assignment]  # listings.title is NOT NULL
    again = store_listing_batch(database_url, [make_item("G3"), broken, make_item("G1")], None)
    assert again.batch_problem is not None
    assert again.problems[0] is None and again.problems[2] is None
    assert again.problems[1] is not None and "title" in again.problems[1].lower()
    assert again.rows[1] == (None, None)
    assert again.rows[2] == whole.rows[0]  # the same listing, unchanged: the same rows
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Listing)) == 3


def test_hit_reasons_are_stored_as_the_matcher_encoded_them_and_read_back(database_url: str) -> None:
    sessions = session_factory(upgrade_database(database_url))
    item = make_item(score=90)
    with sessions.begin() as session:
        store_listings(session, [item])
        listing_id = session.scalars(select(Listing.id)).one()
        # a list given as such is encoded by the column as any JSON value is
        session.add(
            Hit(
                listing_id=listing_id,
                score=1,
                tier="none",
                reasons=[{"code": "x"}],
                matcher_version="m",
                catalog_version="c",
            )
        )
    with sessions() as session:
        stored = dict(session.execute(text("SELECT catalog_version, CAST(reasons AS TEXT) FROM hits")).all())
        hits = {hit.catalog_version: hit.reasons for hit in session.scalars(select(Hit))}
    assert item.match is not None
    assert stored[item.match.catalog_version] == json.dumps(item.match.reason_dicts())
    assert hits == {item.match.catalog_version: item.match.reason_dicts(), "c": [{"code": "x"}]}


def test_a_read_session_neither_waits_for_nor_blocks_a_sqlite_writer(tmp_path) -> None:
    sessions = session_factory(upgrade_database(f"sqlite:///{tmp_path / 'read.db'}"))
    with sessions.begin() as session:
        store_listings(session, [make_item(external_id="A")])
    done = threading.Event()

    def read_while_written() -> None:
        with read_session(sessions) as reader:
            assert reader.scalar(select(func.count()).select_from(Listing)) == 1  # its own snapshot
        done.set()

    with sessions.begin() as writer:  # holds the write lock (BEGIN IMMEDIATE) ...
        store_listings(writer, [make_item(external_id="B")])
        thread = threading.Thread(target=read_while_written)
        thread.start()
        assert done.wait(timeout=5)  # ... which the reader does not wait for (busy timeout: 30 s)
    thread.join()
    assert counts(f"sqlite:///{tmp_path / 'read.db'}")["listings"] == 2


def test_hits_are_found_by_listing_ids_or_by_a_range_of_them(database_url: str) -> None:
    sessions = session_factory(upgrade_database(database_url))
    with sessions.begin() as session:
        store_listings(session, [make_item(external_id=f"R{n}", score=60 + n) for n in range(4)])
    with sessions() as session:
        ids = sorted(session.scalars(select(Listing.id)))
        middle = IdRange(ids[0], ids[2])  # the second and third listings
        assert (
            set(latest_verdicts(session, middle)) == set(latest_verdicts(session, ids[1:3])) == set(ids[1:3])
        )
        assert set(latest_hits(session, IdRange(ids[1]))) == set(ids[2:])
        hit = session.scalars(select(Hit).where(Hit.listing_id == ids[1])).one()
        versions = (hit.matcher_version, hit.catalog_version)
        assert set(hits_for_version(session, middle, *versions)) == set(ids[1:3])
        assert hits_for_version(session, middle, "other", versions[1]) == {}
