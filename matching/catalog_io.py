"""Catalog files in three formats: YAML, JSON and CSV, read into and written from a `Catalog`.

YAML and JSON hold the same document, ``{schema_version: 1, devices: [...]}``. CSV holds one
device per row: list fields are ``;``-separated in one cell and each fact's sources are in a
``source_<fact>`` column (``;``-separated addresses). All three are validated by the one pydantic
schema of `matching.catalog`, and an export read back gives the same devices.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Literal

import yaml

from matching.catalog import (
    CATALOG_SCHEMA_VERSION,
    FACT_FIELDS,
    Catalog,
    CatalogError,
    Device,
    build_catalog,
    catalog_from_document,
    load_catalog,
    read_bytes,
)

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "CatalogFormat",
    "device_record",
    "export_catalog",
    "format_for",
    "read_catalog_file",
]

CatalogFormat = Literal["yaml", "json", "csv"]
FORMATS: tuple[CatalogFormat, ...] = ("yaml", "json", "csv")
_SUFFIXES: dict[str, CatalogFormat] = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".csv": "csv"}

# Field order of a device record; it is also the order of exported YAML/JSON keys.
_FIELDS = (
    "id",
    "name",
    "brand",
    "family",
    "aliases",
    "dimensions_mm",
    "weight_g",
    "battery_mah",
    "chipset",
    "networks",
    "features",
    "notes",
)
_LIST_FIELDS = frozenset({"aliases", "dimensions_mm", "networks", "features"})
_SOURCE_FIELDS = tuple(f for f in _FIELDS if f in FACT_FIELDS)
CSV_COLUMNS: tuple[str, ...] = (*_FIELDS, *(f"source_{f}" for f in _SOURCE_FIELDS))
CSV_SEPARATOR = ";"


def format_for(path: Path) -> CatalogFormat:
    """The format a file name implies; `CatalogError` for an unknown extension."""
    try:
        return _SUFFIXES[path.suffix.lower()]
    except KeyError:
        raise CatalogError(
            f"{path}: unknown catalog format {path.suffix!r} (use .yaml, .yml, .json or .csv)"
        ) from None


def read_catalog_file(path: Path) -> Catalog:
    """Read and validate a catalog file in the format its extension names."""
    path = Path(path)
    fmt = format_for(path)
    if fmt == "yaml":
        return load_catalog(path)
    raw_bytes = read_bytes(path)
    try:
        text = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path}: not UTF-8 text: {exc}") from None
    if fmt == "json":
        try:
            data: Any = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CatalogError(f"{path}: not valid JSON: {exc}") from None
        return catalog_from_document(path, raw_bytes, data)
    return build_catalog(path, raw_bytes, _csv_rows(path, text))


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(CSV_SEPARATOR) if part.strip()]


def _csv_rows(path: Path, text: str) -> list[tuple[str, Any]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise CatalogError(f"{path}: line 1: empty file, expected a header row") from None
    except csv.Error as exc:
        raise CatalogError(f"{path}: line 1: not valid CSV: {exc}") from None
    header = [h.strip() for h in header]
    problems = [
        f"{path}: line 1: column {h!r} is not a catalog column" for h in header if h not in CSV_COLUMNS
    ]
    problems += [
        f"{path}: line 1: required column {c!r} is missing"
        for c in ("id", "name", "family", "aliases")
        if c not in header
    ]
    if problems:
        raise CatalogError(*problems)
    rows: list[tuple[str, Any]] = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            # line_num counts physical lines, so a quoted cell spanning lines keeps numbers right.
            where, line = f"line {line}", reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise CatalogError(f"{path}: {where}: has {len(cells)} cells, the header has {len(header)}")
            rows.append((where, _csv_record(dict(zip(header, cells, strict=True)))))
    except csv.Error as exc:
        raise CatalogError(f"{path}: line {reader.line_num}: not valid CSV: {exc}") from None
    return rows


def _csv_record(row: dict[str, str]) -> dict[str, Any]:
    # Empty cells are absent facts; pydantic turns the remaining strings into numbers and
    # reports a bad number against its field.
    record: dict[str, Any] = {}
    sources: dict[str, list[str]] = {}
    for column, raw in row.items():
        cell = raw.strip()
        if not cell:
            continue
        if column.startswith("source_"):
            sources[column.removeprefix("source_")] = _split(cell)
        elif column in _LIST_FIELDS:
            record[column] = _split(cell)
        else:
            record[column] = cell
    if sources:
        record["sources"] = sources
    return record


def device_record(device: Device) -> dict[str, Any]:
    """A device as the schema's plain mapping (absent facts left out), in field order."""
    record: dict[str, Any] = {}
    for name in _FIELDS:
        value = getattr(device, name)
        if value is None or value == ():
            continue
        record[name] = list(value) if isinstance(value, tuple) else value
    sources = {name: list(device.sources[name]) for name in _SOURCE_FIELDS if device.sources.get(name)}
    if sources:
        record["sources"] = sources
    return record


def export_catalog(catalog: Catalog, fmt: str) -> str:
    """The catalog as YAML, JSON or CSV text that `read_catalog_file` reads back unchanged."""
    if fmt not in FORMATS:
        raise CatalogError(f"unknown catalog format {fmt!r} (use one of {', '.join(FORMATS)})")
    records = [device_record(d) for d in catalog.devices]
    if fmt == "csv":
        return _to_csv(records)
    document = {"schema_version": CATALOG_SCHEMA_VERSION, "devices": records}
    if fmt == "json":
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def _to_csv(records: list[dict[str, Any]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        row: dict[str, Any] = {}
        for name in _FIELDS:
            value = record.get(name)
            if isinstance(value, list):
                row[name] = _join(record["id"], name, value)
            else:
                row[name] = _number(value) if isinstance(value, float) else value
        for name, addresses in record.get("sources", {}).items():
            row[f"source_{name}"] = _join(record["id"], f"source_{name}", addresses)
        writer.writerow(row)
    return out.getvalue()


def _join(device_id: str, column: str, values: list[Any]) -> str:
    texts = [_number(v) if isinstance(v, float) else str(v) for v in values]
    if any(CSV_SEPARATOR in t for t in texts):
        # Quoting inside a cell would make the format ambiguous for spreadsheet editors.
        raise CatalogError(
            f"device {device_id!r}: field {column!r}: a value contains {CSV_SEPARATOR!r}, "
            "which CSV uses between list items; export as YAML or JSON"
        )
    return CSV_SEPARATOR.join(texts)


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)
