"""The chain-of-custody log: append-only entries, each carrying the hash of the previous one.

Every capture, review decision, export and verification appends one entry. ``entry_hash`` is
the SHA-256 of the entry's canonical JSON, which includes ``prev_hash``; changing, removing or
reordering any entry breaks every later link, and `verify_chain` names where.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import CustodyEntry, utcnow

GENESIS_HASH = "0" * 64
MAX_ATTEMPTS = 20

Clock = Callable[[], datetime]


def entry_digest(
    prev_hash: str,
    recorded_at: datetime,
    actor: str,
    action: str,
    listing_id: int | None,
    details: dict[str, Any],
    evidence_hashes: Sequence[str],
) -> str:
    canonical = json.dumps(
        {
            "prev_hash": prev_hash,
            "recorded_at": recorded_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "listing_id": listing_id,
            "details": details,
            "evidence_hashes": list(evidence_hashes),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _tail_hash(session: Session) -> str:
    tail = session.scalar(select(CustodyEntry.entry_hash).order_by(CustodyEntry.id.desc()).limit(1))
    return tail or GENESIS_HASH


def append_custody(
    session: Session,
    *,
    actor: str,
    action: str,
    listing_id: int | None = None,
    details: dict[str, Any] | None = None,
    evidence_hashes: Iterable[str] = (),
    clock: Clock = utcnow,
) -> CustodyEntry:
    """Append one entry at the tail of the log, inside the caller's transaction.

    ``prev_hash`` is unique: when another process extends the same tail first, this insert
    fails, is rolled back to a savepoint and retried on the new tail.
    """
    details = json.loads(json.dumps(details or {}, default=str))
    hashes = sorted(set(evidence_hashes))
    for _ in range(MAX_ATTEMPTS):
        prev_hash = _tail_hash(session)
        recorded_at = clock().astimezone(UTC)
        entry = CustodyEntry(
            recorded_at=recorded_at,
            actor=actor,
            action=action,
            listing_id=listing_id,
            details=details,
            evidence_hashes=hashes,
            prev_hash=prev_hash,
            entry_hash=entry_digest(prev_hash, recorded_at, actor, action, listing_id, details, hashes),
        )
        try:
            with session.begin_nested():
                session.add(entry)
        except IntegrityError:
            continue
        return entry
    raise RuntimeError(f"could not append to the custody log after {MAX_ATTEMPTS} attempts")


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int | None
    message: str

    def __str__(self) -> str:
        where = f"custody entry {self.entry_id}" if self.entry_id is not None else "custody log"
        return f"{where}: {self.message}"


def verify_chain(entries: Iterable[CustodyEntry]) -> list[ChainProblem]:
    """Check every entry's own hash and its link to the entry before it (in id order)."""
    problems: list[ChainProblem] = []
    expected_prev = GENESIS_HASH
    for entry in entries:
        digest = entry_digest(
            entry.prev_hash,
            entry.recorded_at,
            entry.actor,
            entry.action,
            entry.listing_id,
            entry.details,
            entry.evidence_hashes,
        )
        if digest != entry.entry_hash:
            problems.append(ChainProblem(entry.id, "content does not match its hash (entry altered)"))
        if entry.prev_hash != expected_prev:
            message = "does not link to the entry before it (a removed or reordered entry)"
            problems.append(ChainProblem(entry.id, message))
        expected_prev = entry.entry_hash
    return problems


def custody_entries(session: Session, listing_ids: Iterable[int] | None = None) -> list[CustodyEntry]:
    query = select(CustodyEntry).order_by(CustodyEntry.id)
    if listing_ids is not None:
        query = query.where(CustodyEntry.listing_id.in_(list(listing_ids)))
    return list(session.scalars(query))
