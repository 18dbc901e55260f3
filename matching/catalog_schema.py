"""The catalog's schema: a pydantic model of one device record, and the validation that turns
parsed records (YAML, JSON or CSV rows) into a `Catalog`, naming the file, row, id and field of
every problem. Kept apart from `matching.catalog` so that using a catalog needs no pydantic.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from matching.catalog import _SLUG, FACT_FIELDS, Catalog, CatalogError, Device

__all__ = ["build_catalog"]


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
        # Any model line a unit adds is a family of its own; only `keyfob` means something more
        # (a phone shaped like a car key, matched by shape as well as by name).
        if not _SLUG.match(value):
            raise ValueError(f"{value!r} is not a lowercase slug")
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
