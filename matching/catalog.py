"""The device catalog: loads `catalog.yaml`, validates it and exposes frozen `Device`s.

The YAML is data (ids, aliases, sourced specs); its schema (`matching.catalog_schema`, pydantic)
is shared by JSON and CSV catalogs (`matching.catalog_io`). Every validation error names the file,
the device (index or CSV line, and id) and the offending field, so a bad edit is found at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "CATALOG_SCHEMA_VERSION",
    "FACT_FIELDS",
    "Catalog",
    "CatalogError",
    "Device",
    "build_catalog",
    "catalog_from_document",
    "load_catalog",
]

CATALOG_SCHEMA_VERSION = 1
DEFAULT_CATALOG_PATH = Path(__file__).with_name("catalog.yaml")
FACT_FIELDS = frozenset(
    {
        "aliases",
        "dimensions_mm",
        "weight_g",
        "battery_mah",
        "chipset",
        "networks",
        "features",
    }
)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class CatalogError(ValueError):
    """The catalog file is missing, unreadable, or does not follow the schema.

    `problems` holds every problem found, one self-contained line each (file, row, field).
    """

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems: tuple[str, ...] = problems


@dataclass(frozen=True, slots=True)
class Device:
    """One known contraband-type mini phone model (or the generic key-fob phone)."""

    id: str
    name: str
    aliases: tuple[str, ...]
    brand: str | None
    family: str
    dimensions_mm: tuple[float, ...] | None = None
    weight_g: float | None = None
    battery_mah: int | None = None
    chipset: str | None = None
    networks: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    sources: dict[str, list[str]] = field(default_factory=dict, hash=False, compare=False)
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class Catalog:
    """All devices of one catalog file plus the file's content hash as `version`."""

    devices: tuple[Device, ...]
    version: str
    path: Path
    schema_version: int = CATALOG_SCHEMA_VERSION

    def get(self, device_id: str) -> Device:
        """The device with this id; `KeyError` when unknown."""
        for device in self.devices:
            if device.id == device_id:
                return device
        raise KeyError(device_id)


def build_catalog(path: Path, raw_bytes: bytes, rows: Sequence[tuple[str, Any]]) -> Catalog:
    """Validate parsed device records and build the `Catalog` (see `catalog_schema.build_catalog`)."""
    from matching.catalog_schema import build_catalog as build  # pydantic: only when validating

    return build(path, raw_bytes, rows)


def catalog_from_document(path: Path, raw_bytes: bytes, data: Any) -> Catalog:
    """Validate a parsed YAML or JSON document: ``{schema_version: 1, devices: [...]}``."""
    if not isinstance(data, dict):
        raise CatalogError(f"{path}: top level must be a mapping with 'schema_version' and 'devices'")
    if data.get("schema_version") != CATALOG_SCHEMA_VERSION:
        raise CatalogError(
            f"{path}: field 'schema_version' is {data.get('schema_version')!r}, "
            f"expected {CATALOG_SCHEMA_VERSION}"
        )
    unknown = sorted(set(data) - {"schema_version", "devices"})
    if unknown:
        raise CatalogError(f"{path}: unknown top-level fields {unknown}")
    raw_devices = data.get("devices")
    if not isinstance(raw_devices, list) or not raw_devices:
        raise CatalogError(f"{path}: field 'devices' must be a non-empty list")
    return build_catalog(path, raw_bytes, [(f"device #{i}", raw) for i, raw in enumerate(raw_devices)])


def load_catalog(path: Path | None = None) -> Catalog:
    """Read and validate a catalog file (default: the bundled `matching/catalog.yaml`).

    ``.json`` and ``.csv`` files are read by `matching.catalog_io`; anything else is YAML.
    """
    path = Path(path) if path is not None else DEFAULT_CATALOG_PATH
    if path.suffix.lower() in {".json", ".csv"}:
        from matching.catalog_io import read_catalog_file  # catalog_io builds on this module

        return read_catalog_file(path)
    import yaml  # with pydantic, imported only to read a catalog: matching's helper processes
    #              receive theirs ready-made and start faster without them

    raw_bytes = read_bytes(path)
    try:
        data: Any = yaml.safe_load(raw_bytes)
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}".replace("\n", " ")) from exc
    return catalog_from_document(path, raw_bytes, data)


def read_bytes(path: Path) -> bytes:
    """The file's bytes; a `CatalogError` naming the file when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read catalog: {exc}") from exc
