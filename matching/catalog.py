"""The device catalog: loads `catalog.yaml`, validates it with pydantic and exposes frozen `Device`s.

The YAML is data (ids, aliases, sourced specs); this module owns its schema. Every validation
error names the device by index and id and the offending field, so a bad edit is found at once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

__all__ = ["CATALOG_SCHEMA_VERSION", "Catalog", "CatalogError", "Device", "load_catalog"]

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
_FACT_FIELDS = frozenset(
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
    """The catalog file is missing, is not YAML, or does not follow the schema."""


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

    @model_validator(mode="after")
    def _sourced(self) -> _DeviceModel:
        # A fact without a source address is exactly what the catalog must not hold.
        unknown = set(self.sources) - _FACT_FIELDS
        if unknown:
            raise ValueError(f"sources name unknown fields {sorted(unknown)}")
        for name in sorted(_FACT_FIELDS - {"aliases"}):
            if getattr(self, name) not in (None, []) and not self.sources.get(name):
                raise ValueError(f"field {name!r} has a value but no source in 'sources'")
        return self


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


def _format_error(index: int, device_id: object, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(device)"
        parts.append(f"field {loc!r}: {err['msg']}")
    return f"device #{index} (id {device_id!r}): " + "; ".join(parts)


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


def load_catalog(path: Path | None = None) -> Catalog:
    """Read and validate a catalog file (default: the bundled `matching/catalog.yaml`)."""
    path = Path(path) if path is not None else DEFAULT_CATALOG_PATH
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read catalog: {exc}") from exc
    try:
        data: Any = yaml.safe_load(raw_bytes)
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CatalogError(f"{path}: top level must be a mapping with 'schema_version' and 'devices'")
    if data.get("schema_version") != CATALOG_SCHEMA_VERSION:
        raise CatalogError(
            f"{path}: field 'schema_version' is {data.get('schema_version')!r}, "
            f"expected {CATALOG_SCHEMA_VERSION}"
        )
    raw_devices = data.get("devices")
    if not isinstance(raw_devices, list) or not raw_devices:
        raise CatalogError(f"{path}: field 'devices' must be a non-empty list")
    devices: list[Device] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_devices):
        device_id = raw.get("id") if isinstance(raw, dict) else None
        if not isinstance(raw, dict):
            raise CatalogError(f"{path}: device #{index} (id None): must be a mapping")
        try:
            model = _DeviceModel.model_validate(raw)
        except ValidationError as exc:
            raise CatalogError(f"{path}: {_format_error(index, device_id, exc)}") from exc
        if model.id in seen:
            raise CatalogError(f"{path}: device #{index} (id {model.id!r}): field 'id': duplicate id")
        seen.add(model.id)
        devices.append(_to_device(model))
    return Catalog(
        devices=tuple(devices),
        version=hashlib.sha256(raw_bytes).hexdigest(),
        path=path,
    )
