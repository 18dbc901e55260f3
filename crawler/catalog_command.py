"""``thumbwatch catalog``: list, show, validate, import and export the device catalog, and the
import history. `crawler.cli` loads `catalog_app` as the ``catalog`` command group (`LAZY_COMMANDS`).

Every command works on the catalog in force (`active_catalog_path`). Exit codes as elsewhere:
0 ok, 2 a usage error (unknown id, invalid file, bad format), each problem one line on stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from crawler.catalog_store import active_catalog
from crawler.cli import _state, err, fail
from crawler.config import get_settings
from crawler.output import OutputFormat, write_rows

catalog_app = typer.Typer(
    no_args_is_help=True, help="The device catalog: list, show, validate, import, export."
)

T = TypeVar("T")
LIST_COLUMNS = ("id", "name", "aliases", "family", "dimensions", "weight", "battery", "chipset")
HISTORY_COLUMNS = (
    "id",
    "imported_at",
    "imported_by",
    "source_file",
    "catalog_version",
    "device_count",
    "added",
    "changed",
    "removed",
    "active",
)


class ExportFormat(StrEnum):
    YAML = "yaml"
    JSON = "json"
    CSV = "csv"


def _guarded(fn: Callable[[], T]) -> T:
    """Run `fn`; a catalog, database or file error becomes exit 2 with one line per problem."""
    from matching import CatalogError
    from storage.db import DatabaseError

    try:
        return fn()
    except CatalogError as exc:
        if _state["verbose"]:
            err.print_exception()
        for problem in exc.problems[:-1]:
            err.print(f"[bold red]error:[/] {problem}", highlight=False, soft_wrap=True, markup=True)
        raise fail(exc.problems[-1] if exc.problems else str(exc), 2) from None
    except (DatabaseError, OSError) as exc:
        if _state["verbose"]:
            err.print_exception()
        raise fail(str(exc).replace("\n", "; "), 2) from None


def _sessions() -> Any:
    from storage.db import session_factory, upgrade_database

    return session_factory(upgrade_database(get_settings().resolved_database_url))


def _number(value: float | None) -> str | None:
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else str(value)


@catalog_app.command("list")
def list_devices(
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.TABLE,
) -> None:
    """The devices of the catalog in force."""
    catalog = _guarded(active_catalog)
    machine = fmt is not OutputFormat.TABLE
    rows = [
        {
            "id": d.id,
            "name": d.name,
            "aliases": list(d.aliases) if machine else ", ".join(d.aliases),
            "family": d.family,
            "dimensions": (
                list(d.dimensions_mm) if machine else " x ".join(_number(v) or "" for v in d.dimensions_mm)
            )
            if d.dimensions_mm
            else None,
            "weight": d.weight_g if machine else _number(d.weight_g),
            "battery": d.battery_mah,
            "chipset": d.chipset,
        }
        for d in catalog.devices
    ]
    write_rows(rows, fmt, LIST_COLUMNS, title=f"catalog {catalog.version[:12]} ({len(rows)} devices)")


@catalog_app.command()
def show(
    device_id: Annotated[str, typer.Argument(help="Device id (see `thumbwatch catalog list`).")],
) -> None:
    """Every fact of one device, each with its sources."""
    from matching.catalog_io import device_record

    catalog = _guarded(active_catalog)
    try:
        device = catalog.get(device_id)
    except KeyError:
        raise fail(f"unknown device id {device_id!r} (see `thumbwatch catalog list`)", 2) from None
    record = device_record(device)
    sources = record.pop("sources", {})
    out = sys.stdout
    for name, value in record.items():
        shown = (
            ", ".join(str(_number(v)) if isinstance(v, float) else str(v) for v in value)
            if isinstance(value, list)
            else (_number(value) if isinstance(value, float) else str(value))
        )
        out.write(f"{name}: {shown}\n")
        for address in sources.get(name, []):
            out.write(f"    source: {address}\n")
    out.write(f"catalog version: {catalog.version}\n")


@catalog_app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="Catalog file (.yaml, .yml, .json or .csv).")],
) -> None:
    """Check a catalog file against the schema without importing it."""
    from crawler.catalog_store import diff_catalogs
    from matching.catalog_io import read_catalog_file

    catalog = _guarded(lambda: read_catalog_file(file))
    current = _guarded(active_catalog)
    diff = diff_catalogs(current, catalog)
    typer.echo(
        f"{file}: valid, {len(catalog.devices)} devices, version {catalog.version}; "
        f"against the catalog in force: {len(diff.added)} added, {len(diff.changed)} changed, "
        f"{len(diff.removed)} removed"
    )


@catalog_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="Catalog file (.yaml, .yml, .json or .csv).")],
    by: Annotated[str | None, typer.Option("--by", help="Who imports it (default: the OS user).")] = None,
) -> None:
    """Validate a catalog file and make it the catalog in force, all or nothing, on the record."""
    from crawler.catalog_store import default_importer, import_catalog

    settings = get_settings()
    record = _guarded(
        lambda: import_catalog(
            file, by if by is not None else default_importer(), _sessions(), settings.resolved_home
        )
    )
    typer.echo(
        f"imported {file.name} as catalog {record.catalog_version} (import {record.id}, by "
        f"{record.imported_by}): {record.device_count} devices, {record.devices_added} added, "
        f"{record.devices_changed} changed, {record.devices_removed} removed"
    )
    if settings.catalog_path is not None:
        err.print(
            f"warning: THUMBWATCH_CATALOG_PATH={settings.catalog_path} overrides imported catalogs; "
            "unset it to use this import",
            highlight=False,
        )


@catalog_app.command()
def export(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="File format.")] = ExportFormat.YAML,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Write the catalog in force as YAML, JSON or CSV (readable back by `validate`/`import`)."""
    from matching.catalog_io import export_catalog

    catalog = _guarded(active_catalog)
    text = _guarded(lambda: export_catalog(catalog, fmt.value))
    if output is None:
        sys.stdout.write(text)
    else:
        _guarded(lambda: output.write_text(text, encoding="utf-8"))


@catalog_app.command()
def history(
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.TABLE,
) -> None:
    """Every catalog import: when, by whom, which file and version, and what it changed."""
    from crawler.catalog_store import active_catalog_path, list_imports

    def load() -> list[dict[str, Any]]:
        active = active_catalog_path(get_settings())
        active_version = active.stem if active is not None else None
        with _sessions()() as session:
            records = list_imports(session)
        return [
            {
                "id": r.id,
                "imported_at": r.imported_at.isoformat(timespec="seconds"),
                "imported_by": r.imported_by,
                "source_file": r.source_file,
                "catalog_version": r.catalog_version,
                "previous_version": r.previous_version,
                "device_count": r.device_count,
                "added": r.devices_added,
                "changed": r.devices_changed,
                "removed": r.devices_removed,
                "active": r.catalog_version == active_version and r is records[-1],
            }
            for r in records
        ]

    write_rows(_guarded(load), fmt, HISTORY_COLUMNS, title="catalog imports")
