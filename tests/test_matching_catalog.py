"""Catalog loading and validation: the bundled YAML and broken copies of it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from matching import CatalogError, load_catalog, search_queries
from matching.catalog import DEFAULT_CATALOG_PATH


def test_bundled_catalog_loads_with_all_families() -> None:
    catalog = load_catalog()
    assert {d.family for d in catalog.devices} == {
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
    assert catalog.version == hashlib.sha256(DEFAULT_CATALOG_PATH.read_bytes()).hexdigest()
    bm10 = catalog.get("l8star-bm10")
    assert bm10.dimensions_mm == (68.0, 28.0, 13.0)
    assert bm10.battery_mah == 350
    assert bm10.weight_g is None  # no source gives it
    assert catalog.get("zanco-tiny-t1").chipset == "MediaTek MTK6261D"
    assert catalog.get("long-cz-j8").weight_g == 18


def test_every_fact_has_a_source() -> None:
    for device in load_catalog().devices:
        for name in ("dimensions_mm", "weight_g", "battery_mah", "chipset", "networks", "features"):
            if getattr(device, name):
                assert device.sources[name], (device.id, name)


def _write(tmp_path: Path, mutate) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(DEFAULT_CATALOG_PATH.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_error_names_device_index_id_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda d: d["devices"][3].update(weight_g=-5))
    with pytest.raises(CatalogError, match=r"device #3 \(id 'l8star-bm10'\): field 'weight_g'"):
        load_catalog(path)


def test_fact_without_source_is_rejected(tmp_path: Path) -> None:
    def mutate(d: dict) -> None:
        d["devices"][0]["sources"].pop("chipset")

    expected = r"device #0 \(id 'zanco-tiny-t1'\).*'chipset' has a value but no source"
    with pytest.raises(CatalogError, match=expected):
        load_catalog(_write(tmp_path, mutate))


def test_bad_family_and_extra_field(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda d: d["devices"][5].update(family="BM 55"))
    with pytest.raises(
        CatalogError, match=r"device #5 \(id 'gtstar-bm50'\): field 'family'.*not a lowercase slug"
    ):
        load_catalog(path)
    new_family = load_catalog(_write(tmp_path, lambda d: d["devices"][5].update(family="gtstar")))
    assert new_family.devices[5].family == "gtstar"  # a unit's new model line needs no code change
    path = _write(tmp_path, lambda d: d["devices"][1].update(colour="red"))
    with pytest.raises(CatalogError, match=r"device #1 \(id 'zanco-tiny-t2'\): field 'colour'"):
        load_catalog(path)


def test_duplicate_id_bad_yaml_and_schema_version(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda d: d["devices"][2].update(id="zanco-tiny-t1"))
    with pytest.raises(CatalogError, match=r"device #2 \(id 'zanco-tiny-t1'\): field 'id': duplicate"):
        load_catalog(path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("devices: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid YAML"):
        load_catalog(bad)
    path = _write(tmp_path, lambda d: d.update(schema_version=2))
    with pytest.raises(CatalogError, match="field 'schema_version' is 2, expected 1"):
        load_catalog(path)


def test_search_queries_are_short_and_multilingual() -> None:
    queries = search_queries(load_catalog())
    assert 20 <= len(queries) <= 30
    assert queries[0] == "Zanco tiny t1"
    assert "L8star BM10" in queries and "мини телефон" in queries and "kleinstes Handy" in queries
    assert len({q.casefold() for q in queries}) == len(queries)
