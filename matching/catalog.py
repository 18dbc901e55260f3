"""The device catalog: loads `catalog.yaml`, validates it with pydantic and exposes frozen `Device`s.

The YAML is data (ids, aliases, sourced specs); this module owns its schema, which JSON and CSV
catalogs (`matching.catalog_io`) share. Every validation error names the file, the device (index
or CSV line, and id) and the offending field, so a bad edit is found at once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

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
FAMILIES = frozenset(
    {
        "zanco-tiny-t1",
        "zanco-tiny-t2",
        "zanco-fly",
        "bm10",
        "bm30",
        "bm50",
        "bm70",
        "bm90",
        "long-cz-j8",
        "keyfob",
    }
)
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


class _DeviceModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str = Field(min_length=1)
    aliases: list[str] = Field(min_length=1)
    brand: str | None = None
    family: str
    dimensions_mm: list[float] | None = None
    weight_g: float | None = Field(default=None, gt=0, le=500)
    battery_mah: int | None = Field(default=None, gt=0, le=10_000)
    chipset: str | None = None
    networks: list[str] = []
    features: list[str] = []
    sources: dict[str, list[str]] = {}
    notes: str | None = None

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(f"{value!r} is not a lowercase slug")
        return value

    @field_validator("family")
    @classmethod
    def _family(cls, value: str) -> str:
        if value not in FAMILIES:
            raise ValueError(f"{value!r} is not one of {sorted(FAMILIES)}")
        return value

    @field_validator("dimensions_mm")
    @classmethod
    def _dimensions(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and (len(value) not in (2, 3) or any(v <= 0 or v > 300 for v in value)):
            raise ValueError("needs 2 or 3 positive millimetre values below 300")
        return value

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, value: list[str]) -> list[str]:
        if any(not a.strip() for a in value):
            raise ValueError("aliases must not be blank")
        return value


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


def _source_problems(model: _DeviceModel) -> list[str]:
    # A fact without a source address is exactly what the catalog must not hold.
    problems = [
        f"field 'sources.{name}': {name!r} is not a fact field (one of {sorted(FACT_FIELDS)})"
        for name in sorted(set(model.sources) - FACT_FIELDS)
    ]
    for name in sorted(FACT_FIELDS - {"aliases"}):
        if getattr(model, name) not in (None, []) and not model.sources.get(name):
            problems.append(f"field 'sources': {name!r} has a value but no source in 'sources'")
    return problems


def _field_problems(exc: ValidationError) -> list[str]:
    problems = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(device)"
        problems.append(f"field {loc!r}: {err['msg']}")
    return problems


def _to_device(model: _DeviceModel) -> Device:
    return Device(
        id=model.id,
        name=model.name,
        aliases=tuple(model.aliases),
        brand=model.brand,
        family=model.family,
        dimensions_mm=None if model.dimensions_mm is None else tuple(model.dimensions_mm),
        weight_g=model.weight_g,
        battery_mah=model.battery_mah,
        chipset=model.chipset,
        networks=tuple(model.networks),
        features=tuple(model.features),
        sources={k: list(v) for k, v in model.sources.items()},
        notes=model.notes,
    )


def build_catalog(path: Path, raw_bytes: bytes, rows: Sequence[tuple[str, Any]]) -> Catalog:
    """Validate parsed device records and build the `Catalog` (version: sha256 of `raw_bytes`).

    `rows` pairs each record with where it came from ("device #3", "line 5"), so that every
    problem names the file, the row, the device id and the field. All rows are checked before
    raising, so one run of `thumbwatch catalog validate` lists every problem.
    """
    if not rows:
        raise CatalogError(f"{path}: field 'devices' must be a non-empty list")
    devices: list[Device] = []
    problems: list[str] = []
    seen: set[str] = set()
    for where, raw in rows:
        if not isinstance(raw, dict):
            problems.append(f"{path}: {where} (id None): must be a mapping")
            continue
        prefix = f"{path}: {where} (id {raw.get('id')!r})"
        try:
            model = _DeviceModel.model_validate(raw)
        except ValidationError as exc:
            problems.extend(f"{prefix}: {p}" for p in _field_problems(exc))
            continue
        row_problems = _source_problems(model)
        if model.id in seen:
            row_problems.insert(0, "field 'id': duplicate id")
        seen.add(model.id)
        problems.extend(f"{prefix}: {p}" for p in row_problems)
        if not row_problems:
            devices.append(_to_device(model))
    if problems:
        raise CatalogError(*problems)
    return Catalog(devices=tuple(devices), version=hashlib.sha256(raw_bytes).hexdigest(), path=path)


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
