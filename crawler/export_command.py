"""``thumbwatch export hits``: the filtered hits as CSV, JSON Lines, a STIX 2.1 bundle or a MISP
event, for sharing with other agencies. A thin command over `evidence.hit_export`, registered on
the ``export`` sub-app of `crawler.referral_command`.

The file is written beside ``--out`` and renamed into place in the transaction that records the
export's custody entry, so a failure leaves neither the file nor the entry; an existing ``--out``
is never overwritten. Without ``--out`` the export goes to standard output.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from crawler.cli import _sessions, err
from crawler.config import get_settings
from crawler.hit_filters import (
    DeviceOption,
    MarketplaceOption,
    SinceOption,
    StatusOption,
    TierOption,
    UntilOption,
    check_known,
    hit_filters,
)
from evidence.hit_export import HitFormat


def _write_atomically(data: bytes, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, 0o644)
        os.link(temp, out)  # fails if `out` appeared meanwhile: never overwrite an export
    finally:
        os.unlink(temp)


def export_hits_command(
    fmt: Annotated[HitFormat, typer.Option("--format", help="csv, jsonl, stix (a 2.1 bundle) or misp.")],
    out: Annotated[Path | None, typer.Option("--out", help="A new file; default standard output.")] = None,
    marketplace: MarketplaceOption = None,
    device: DeviceOption = None,
    tier: TierOption = None,
    status: StatusOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    min_score: Annotated[int, typer.Option("--min-score", min=0, max=100)] = 0,
    investigation: Annotated[
        str | None, typer.Option("--investigation", help="Name of the STIX grouping / MISP event.")
    ] = None,
    tlp: Annotated[
        str | None,
        typer.Option("--tlp", help="clear, green, amber, amber+strict or red; default THUMBWATCH_SHARE_TLP."),
    ] = None,
) -> None:
    """Export the hits (filtered as in `thumbwatch hits`) to share with other agencies."""
    from crawler.catalog_store import active_catalog
    from crawler.referral_command import _actor, _guarded
    from evidence.hit_export import export_hits
    from evidence.notice import configured_unit
    from evidence.share import TLP_LEVELS
    from storage.models import utcnow

    filters = hit_filters(marketplace, device, tier, status, since, until)
    level = tlp if tlp is not None else get_settings().share_tlp
    if level not in TLP_LEVELS:
        raise typer.BadParameter(f"{tlp!r} is not one of {', '.join(TLP_LEVELS)}", param_hint="'--tlp'")
    if investigation is not None and not investigation.strip():
        raise typer.BadParameter("the name is empty", param_hint="'--investigation'")
    if out is not None and (out.exists() or out.is_symlink()):
        raise typer.BadParameter(
            f"{out} already exists: an export is never overwritten", param_hint="'--out'"
        )

    def run() -> Any:
        unit = configured_unit() if fmt.needs_unit else None
        catalog = active_catalog()
        actor, _role = _actor()
        with _sessions().begin() as session:
            check_known(session, filters, {d.id for d in catalog.devices})
            export = export_hits(
                session,
                fmt,
                filters=filters,
                min_score=min_score,
                catalog=catalog,
                unit=None if unit is None else (unit.name, unit.email),
                investigation=investigation.strip() if investigation else None,
                tlp=level,  # type: ignore[arg-type]  # checked against TLP_LEVELS above
                actor=actor,
                destination=str(out.absolute()) if out else "stdout",
                clock=utcnow,
            )
            if out is None:
                sys.stdout.buffer.write(export.data)
                sys.stdout.flush()
            else:
                _write_atomically(export.data, out)
        return export

    export = _guarded(run)
    where = f"to {out}" if out else "to standard output"
    err.print(
        f"{len(export.listing_ids)} listing(s) exported as {fmt.value} {where}  sha256 {export.sha256}",
        highlight=False,
    )
