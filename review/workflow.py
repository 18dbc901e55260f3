"""The review workflow: which status changes are allowed, who may make them, and their record.

This is the one place that knows the rules; the web app, the CLI, referral export and the
follow-up job all change a listing's review status through `transition_listing`, which checks
the rule, updates the listing only if nobody changed it meanwhile, and appends a custody entry
(who, when, from, to, note).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from evidence.custody import Clock, append_custody
from storage.models import CustodyEntry, Listing, ReviewStatus, utcnow


class Role(enum.StrEnum):
    ANALYST = "analyst"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    SYSTEM = "system"  # scheduled jobs (follow-up of referrals)


_RANK = {Role.ANALYST: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3, Role.SYSTEM: 3}

DISMISS_REASONS = (
    "not a phone",
    "ordinary phone",
    "accessory only",
    "toy or replica",
    "duplicate listing",
    "lawful product or seller",
    "other",
)

S = ReviewStatus
# (from, to) -> the least role allowed to make that change.
TRANSITIONS: dict[tuple[ReviewStatus, ReviewStatus], Role] = {
    (S.NEW, S.CONFIRMED): Role.ANALYST,
    (S.NEW, S.DISMISSED): Role.ANALYST,
    (S.NEW, S.ESCALATED): Role.ANALYST,
    (S.ESCALATED, S.CONFIRMED): Role.SUPERVISOR,
    (S.ESCALATED, S.DISMISSED): Role.SUPERVISOR,
    (S.CONFIRMED, S.DISMISSED): Role.SUPERVISOR,
    (S.CONFIRMED, S.ESCALATED): Role.ANALYST,
    (S.DISMISSED, S.NEW): Role.SUPERVISOR,
    (S.DISMISSED, S.CONFIRMED): Role.SUPERVISOR,
    (S.CONFIRMED, S.REFERRED): Role.SUPERVISOR,
    (S.REFERRED, S.REMOVED): Role.SUPERVISOR,
    (S.REFERRED, S.REFERRED): Role.SUPERVISOR,  # referred again (a new package)
    (S.REMOVED, S.REFERRED): Role.SUPERVISOR,  # back up after removal: refer again
}


class TransitionError(Exception):
    """A status change the workflow does not allow (named with the listing and the rule)."""


@dataclass(frozen=True)
class Transition:
    listing_id: int
    from_status: ReviewStatus
    to_status: ReviewStatus
    custody: CustodyEntry


def allowed_targets(current: ReviewStatus, role: Role) -> list[ReviewStatus]:
    """Statuses that `role` may move a listing in `current` status to (for menus and buttons)."""
    return [to for (src, to), least in TRANSITIONS.items() if src == current and _RANK[role] >= _RANK[least]]


def check_transition(listing_id: int, current: ReviewStatus, to: ReviewStatus, role: Role) -> None:
    least = TRANSITIONS.get((current, to))
    if least is None:
        raise TransitionError(f"listing {listing_id}: cannot go from {current.value} to {to.value}")
    if _RANK[role] < _RANK[least]:
        raise TransitionError(
            f"listing {listing_id}: {current.value} -> {to.value} needs the {least.value} role "
            f"(you are {role.value})"
        )


def transition_listing(
    session: Session,
    listing_id: int,
    to: ReviewStatus,
    *,
    actor: str,
    role: Role,
    note: str = "",
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    evidence_hashes: tuple[str, ...] = (),
    clock: Clock = utcnow,
) -> Transition:
    """Move one listing to `to` inside the caller's transaction, or raise `TransitionError`."""
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise TransitionError(f"listing {listing_id}: no such listing")
    session.refresh(listing)
    current = listing.review_status
    check_transition(listing_id, current, to, role)
    if to is ReviewStatus.DISMISSED and reason not in DISMISS_REASONS:
        raise TransitionError(
            f"listing {listing_id}: a dismissal needs a reason, one of: {', '.join(DISMISS_REASONS)}"
        )
    changed = session.execute(
        update(Listing)
        .where(Listing.id == listing_id, Listing.review_status == current)
        .values(review_status=to)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise TransitionError(f"listing {listing_id}: its status changed meanwhile; reload and retry")
    session.refresh(listing)
    record = {"from": current.value, "to": to.value, "role": role.value, "note": note}
    if reason:
        record["reason"] = reason
    record.update(details or {})
    entry = append_custody(
        session,
        actor=actor,
        action=f"review.{to.value}",
        listing_id=listing_id,
        details=record,
        evidence_hashes=evidence_hashes,
        clock=clock,
    )
    return Transition(listing_id, current, to, entry)


def four_eyes_problems(session: Session, listing_ids: list[int], actor: str) -> list[str]:
    """Listings whose latest confirmation was made by `actor`: under the four-eyes rule another
    supervisor must refer them."""
    confirmed_by: dict[int, str] = {}
    entries = session.execute(
        select(CustodyEntry.listing_id, CustodyEntry.actor)
        .where(CustodyEntry.listing_id.in_(listing_ids), CustodyEntry.action == "review.confirmed")
        .order_by(CustodyEntry.id)
    )
    for listing_id, who in entries:
        confirmed_by[listing_id] = who
    return [
        f"listing {listing_id}: confirmed by {actor} themselves (four-eyes: another supervisor refers it)"
        for listing_id in listing_ids
        if confirmed_by.get(listing_id) == actor
    ]
