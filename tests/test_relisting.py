"""Relisting detection after a crawl: same seller, same main image, near-identical title with
agreeing specs; contradicting specs, unrelated and already-known listings are left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crawler.relisting import detect_relistings, spec_signature, specs_agree
from evidence.custody import custody_entries, verify_chain
from review.workflow import Role, transition_listing
from storage.db import session_factory, upgrade_database
from storage.models import Listing, ListingImage, ReviewStatus
from storage.repository import start_crawl_run, store_listings
from tests.factories import T0, make_item, referral_row

DAY = timedelta(days=1)
OTHER_SELLER = {"seller_url": "http://market.test/seller/2", "seller_name": "Another Seller"}


@pytest.fixture
def sessions(database_url: str) -> sessionmaker[Session]:
    return session_factory(upgrade_database(database_url))


def store(
    sessions: sessionmaker[Session], run_id: int, external_id: str, fetched_at=T0, **fields: str
) -> int:  # type: ignore[no-untyped-def]
    title = fields.pop("title", "L8star BM10 mini phone 350mAh")
    item = make_item(external_id=external_id, title=title, fetched_at=fetched_at)
    for name, value in fields.items():
        setattr(item, name, value)
    with sessions.begin() as session:
        store_listings(session, [item], crawl_run_id=run_id, now=fetched_at)
    assert item.listing_id is not None
    return item.listing_id


def remove_after_referral(sessions: sessionmaker[Session], listing_id: int) -> int:
    with sessions.begin() as session:
        for status, role in (
            (ReviewStatus.CONFIRMED, Role.ANALYST),
            (ReviewStatus.REFERRED, Role.SUPERVISOR),
            (ReviewStatus.REMOVED, Role.SYSTEM),
        ):
            transition_listing(session, listing_id, status, actor="t", role=role)
        return referral_row(session, listing_id, T0)


def add_main_image(sessions: sessionmaker[Session], listing_id: int, phash: str) -> None:
    with sessions.begin() as session:
        session.add(
            ListingImage(
                listing_id=listing_id,
                url=f"http://img.test/{listing_id}.jpg",
                position=0,
                phash=phash,
                fetched_at=T0,
            )
        )


def test_relistings_by_seller_image_and_title(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        first_run = start_crawl_run(session, "test", {}, now=T0)
    original = store(sessions, first_run, "orig")
    known = store(sessions, first_run, "known", title="Keyfob phone", **OTHER_SELLER)
    add_main_image(sessions, original, "ffd8a0b0c0d0e0f0")
    referral_id = remove_after_referral(sessions, original)

    with sessions.begin() as session:
        second_run = start_crawl_run(session, "test", {}, now=T0 + DAY)
    later = T0 + DAY + timedelta(minutes=5)
    by_seller = store(sessions, second_run, "s1", later, title="Tiny keyfob phone")
    by_title = store(
        sessions, second_run, "t1", later, title="L8star BM10 Mini Phone - 350mAh", **OTHER_SELLER
    )
    contradicting = store(
        sessions,
        second_run,
        "t2",
        later,
        title="L8star BM10 mini phone 500mAh",
        description="68x28x13 mm, 500 mAh",
        **OTHER_SELLER,
    )
    by_image = store(sessions, second_run, "i1", later, title="Smallest phone in the world", **OTHER_SELLER)
    add_main_image(sessions, by_image, "ffd8a0b0c0d0e0f3")  # 2 bits differ
    unrelated = store(sessions, second_run, "u1", later, title="Samsung Galaxy S24 case", **OTHER_SELLER)
    store(sessions, second_run, "known", later, title="Keyfob phone", **OTHER_SELLER)  # seen before: not new

    with sessions.begin() as session:
        found = detect_relistings(session, second_run)
    assert [(f.listing_id, f.original_id, f.referral_id) for f in found] == [
        (by_seller, original, referral_id),
        (by_title, original, referral_id),
        (by_image, original, referral_id),
    ]
    assert [f.reason for f in found] == [
        f"same seller as listing {original}, removed after referral {referral_id}",
        f"title 100% similar to listing {original}, specs agree, removed after referral {referral_id}",
        f"same main image as listing {original} (2 of 64 hash bits differ), "
        f"removed after referral {referral_id}",
    ]
    with sessions() as session:
        links = dict(session.execute(select(Listing.id, Listing.relisting_of_id)).all())
        assert links == {
            original: None,
            known: None,
            by_seller: original,
            by_title: original,
            contradicting: None,
            by_image: original,
            unrelated: None,
        }
        flagged = [e for e in custody_entries(session) if e.action == "relisting.flagged"]
        assert [
            (e.listing_id, e.details["original_listing_id"], e.details["crawl_run_id"]) for e in flagged
        ] == [
            (by_seller, original, second_run),
            (by_title, original, second_run),
            (by_image, original, second_run),
        ]
        assert verify_chain(custody_entries(session)) == []
    with sessions.begin() as session:
        assert detect_relistings(session, second_run) == []  # already linked: nothing twice


def test_no_removed_listing_means_no_relisting(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        run = start_crawl_run(session, "test", {}, now=T0)
    store(sessions, run, "a")
    with sessions.begin() as session:
        assert detect_relistings(session, run) == []


def test_specs_agree_unless_a_stated_value_differs() -> None:
    bm10 = spec_signature("BM10 68x28x13 mm 350 mAh")
    assert specs_agree(bm10, spec_signature("BM10 mini 350mAh"))
    assert specs_agree(bm10, spec_signature("no specs at all"))
    assert not specs_agree(bm10, spec_signature("BM10 68x28x13 mm 500 mAh"))
