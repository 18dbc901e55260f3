"""The hit filters shared by ``thumbwatch hits`` and ``thumbwatch export hits``: their options,
their reading into `storage.repository.HitFilters`, and the check that every marketplace and
device named exists.

Each option may be repeated (the values are alternatives); different options combine. Dates are
UTC: ``--since 2026-05-01 --until 2026-05-31`` keeps listings first seen in May, both days whole,
as the review console's first-seen filter does; a date-time (ISO 8601, UTC unless it has an
offset) is taken to the second. A bad value is a usage error naming its option (exit code 2).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from review.queue import TIERS, filter_choices
from storage.models import ReviewStatus
from storage.repository import HitFilters

Tier = StrEnum("Tier", {tier.upper(): tier for tier in TIERS})  # type: ignore[misc]

MarketplaceOption = Annotated[
    list[str] | None, typer.Option("--marketplace", help="Marketplace slug, e.g. ebay.fr (repeatable).")
]
DeviceOption = Annotated[
    list[str] | None, typer.Option("--device", help="Catalog device id, e.g. l8star-bm10 (repeatable).")
]
TierOption = Annotated[list[Tier] | None, typer.Option("--tier", help="Match tier (repeatable).")]
StatusOption = Annotated[
    list[ReviewStatus] | None, typer.Option("--status", help="Review status (repeatable).")
]
SinceOption = Annotated[
    str | None,
    typer.Option("--since", help="First seen on or after DATE (YYYY-MM-DD, or ISO date-time; UTC)."),
]
UntilOption = Annotated[
    str | None, typer.Option("--until", help="First seen on or before DATE (the whole day for a date).")
]


def _moment(value: str, option: str, end: bool) -> datetime:
    """The UTC bound `value` gives: a date's start, or (`end`) the start of the day after."""
    text = value.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        start = datetime.combine(day, time(), UTC)
        return start + timedelta(days=1) if end else start
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD) or an ISO 8601 date-time", param_hint=f"'{option}'"
        ) from None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment + timedelta(microseconds=1) if end else moment


def hit_filters(
    marketplace: list[str] | None,
    device: list[str] | None,
    tier: list[Tier] | None,
    status: list[ReviewStatus] | None,
    since: str | None,
    until: str | None,
) -> HitFilters:
    """The options' values as `HitFilters`; `typer.BadParameter` for a value that cannot be read."""
    start = None if since is None else _moment(since, "--since", end=False)
    before = None if until is None else _moment(until, "--until", end=True)
    if start is not None and before is not None and before <= start:
        raise typer.BadParameter(f"{until!r} is before --since {since!r}", param_hint="'--until'")
    return HitFilters(
        marketplaces=tuple(dict.fromkeys(marketplace or ())),
        devices=tuple(dict.fromkeys(device or ())),
        tiers=tuple(dict.fromkeys(str(t.value) for t in tier or ())),
        statuses=tuple(dict.fromkeys(status or ())),
        first_seen_from=start,
        first_seen_before=before,
    )


def check_known(session: Session, filters: HitFilters, catalog_devices: set[str]) -> None:
    """A marketplace never crawled, or a device neither in the catalog nor in any hit, is named
    as a usage error (a typo would otherwise look like "no hits")."""
    known = filter_choices(session)
    for option, wanted, choices in (
        ("--marketplace", filters.marketplaces, set(known["marketplaces"])),
        ("--device", filters.devices, set(known["devices"]) | catalog_devices),
    ):
        unknown = [value for value in wanted if value not in choices]
        if unknown:
            listed = ", ".join(sorted(choices)[:20]) or "none yet"
            raise typer.BadParameter(
                f"unknown {', '.join(repr(v) for v in unknown)} (known: {listed})", param_hint=f"'{option}'"
            )
