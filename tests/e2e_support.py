"""Helpers for end-to-end tests: run the real CLI in a child process, read the database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from storage import Hit, Listing, ListingSnapshot, create_db_engine, session_factory

THUMBWATCH = [sys.executable, "-c", "from crawler.cli import main; main()"]


def run_cli(
    home: Path, *args: str, timeout: float = 240, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "THUMBWATCH_HOME": str(home)}
    full_env.pop("THUMBWATCH_DATABASE_URL", None)
    # Screenshots cost a browser page per hit and images a request or more per flagged listing;
    # the tests about evidence and images switch them back on.
    full_env["THUMBWATCH_EVIDENCE_SCREENSHOTS"] = "false"
    full_env["THUMBWATCH_IMAGE_FETCH"] = "off"
    full_env.update(env or {})
    return subprocess.run(
        [*THUMBWATCH, *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
        cwd=Path(__file__).resolve().parents[1],
    )


def db_url(home: Path) -> str:
    return f"sqlite:///{home / 'thumbwatch.db'}"


def row_counts(home: Path, marketplace: str | None = None) -> dict[str, int]:
    from storage import Marketplace

    with session_factory(create_db_engine(db_url(home)))() as session:

        def count(model: Any) -> int:
            stmt = select(func.count()).select_from(model)
            if marketplace is not None:
                stmt = stmt.join(Listing, Listing.id == model.listing_id) if model is not Listing else stmt
                stmt = stmt.join(Marketplace, Marketplace.id == Listing.marketplace_id).where(
                    Marketplace.slug == marketplace
                )
            return int(session.scalar(stmt) or 0)

        return {"listings": count(Listing), "snapshots": count(ListingSnapshot), "hits": count(Hit)}


def stored_ids(home: Path, marketplace: str, flagged_only: bool = False) -> set[str]:
    from storage import Marketplace

    with session_factory(create_db_engine(db_url(home)))() as session:
        stmt = (
            select(Listing.external_id)
            .join(Marketplace, Marketplace.id == Listing.marketplace_id)
            .where(Marketplace.slug == marketplace)
        )
        if flagged_only:
            stmt = stmt.join(Hit, Hit.listing_id == Listing.id).where(Hit.tier != "none")
        return set(session.scalars(stmt))
