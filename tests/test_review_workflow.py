"""The review workflow: allowed transitions, roles, reasons, and the custody record of each."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from evidence.custody import custody_entries, verify_chain
from review.workflow import DISMISS_REASONS, Role, TransitionError, allowed_targets, transition_listing
from storage.db import session_factory, upgrade_database
from storage.models import Listing, ReviewStatus
from tests.factories import T0, stored_listing


@pytest.fixture
def sessions(database_url: str):  # type: ignore[no-untyped-def]
    return session_factory(upgrade_database(database_url))


def status(sessions, listing_id: int) -> ReviewStatus:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.scalars(select(Listing.review_status).where(Listing.id == listing_id)).one()


def test_confirm_then_refer_records_each_step_in_the_custody_log(sessions) -> None:  # type: ignore[no-untyped-def]
    listing_id = stored_listing(sessions).listing_id
    with sessions.begin() as session:
        transition_listing(
            session, listing_id, ReviewStatus.CONFIRMED, actor="ana", role=Role.ANALYST, note="BM10"
        )
        transition_listing(
            session, listing_id, ReviewStatus.REFERRED, actor="sup", role=Role.SUPERVISOR, clock=lambda: T0
        )
    assert status(sessions, listing_id) is ReviewStatus.REFERRED
    with sessions() as session:
        entries = custody_entries(session, [listing_id])
        assert [(e.actor, e.action, e.details["from"], e.details["to"]) for e in entries] == [
            ("ana", "review.confirmed", "new", "confirmed"),
            ("sup", "review.referred", "confirmed", "referred"),
        ]
        assert entries[0].details["note"] == "BM10" and entries[1].recorded_at == T0
        assert verify_chain(custody_entries(session)) == []


def test_an_analyst_cannot_refer_and_nothing_is_recorded(sessions) -> None:  # type: ignore[no-untyped-def]
    listing_id = stored_listing(sessions).listing_id
    with sessions.begin() as session:
        transition_listing(session, listing_id, ReviewStatus.CONFIRMED, actor="ana", role=Role.ANALYST)
    with (
        pytest.raises(TransitionError, match="confirmed -> referred needs the supervisor role"),
        sessions.begin() as session,
    ):
        transition_listing(session, listing_id, ReviewStatus.REFERRED, actor="ana", role=Role.ANALYST)
    assert status(sessions, listing_id) is ReviewStatus.CONFIRMED
    with sessions() as session:
        assert len(custody_entries(session)) == 1


def test_disallowed_transition_and_unknown_listing_are_named(sessions) -> None:  # type: ignore[no-untyped-def]
    listing_id = stored_listing(sessions).listing_id
    with (
        sessions.begin() as session,
        pytest.raises(TransitionError, match=f"listing {listing_id}: cannot go from new to removed"),
    ):
        transition_listing(session, listing_id, ReviewStatus.REMOVED, actor="sup", role=Role.ADMIN)
    with sessions.begin() as session, pytest.raises(TransitionError, match="listing 999: no such listing"):
        transition_listing(session, 999, ReviewStatus.CONFIRMED, actor="sup", role=Role.ADMIN)


def test_a_dismissal_needs_a_listed_reason(sessions) -> None:  # type: ignore[no-untyped-def]
    listing_id = stored_listing(sessions).listing_id
    with sessions.begin() as session, pytest.raises(TransitionError, match="needs a reason"):
        transition_listing(session, listing_id, ReviewStatus.DISMISSED, actor="ana", role=Role.ANALYST)
    with sessions.begin() as session:
        done = transition_listing(
            session,
            listing_id,
            ReviewStatus.DISMISSED,
            actor="ana",
            role=Role.ANALYST,
            reason="accessory only",
        )
    assert done.custody.details["reason"] == "accessory only"
    assert "accessory only" in DISMISS_REASONS


def test_allowed_targets_follow_the_role() -> None:
    assert allowed_targets(ReviewStatus.NEW, Role.ANALYST) == [
        ReviewStatus.CONFIRMED,
        ReviewStatus.DISMISSED,
        ReviewStatus.ESCALATED,
    ]
    assert ReviewStatus.REFERRED not in allowed_targets(ReviewStatus.CONFIRMED, Role.ANALYST)
    assert ReviewStatus.REFERRED in allowed_targets(ReviewStatus.CONFIRMED, Role.SUPERVISOR)
    assert allowed_targets(ReviewStatus.REFERRED, Role.SYSTEM) == [
        ReviewStatus.REMOVED,
        ReviewStatus.REFERRED,
    ]
