"""Catalog files in YAML, JSON and CSV: round trips, and errors that name file, row and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from matching import CatalogError, load_catalog
from matching.catalog_io import CSV_COLUMNS, device_record, export_catalog, read_catalog_file


@pytest.mark.parametrize("fmt", ["yaml", "json", "csv"])
def test_export_then_read_gives_the_same_devices(tmp_path: Path, fmt: str) -> None:
    bundled = load_catalog()
    path = tmp_path / f"catalog.{fmt}"
    path.write_text(export_catalog(bundled, fmt), encoding="utf-8")
    again = read_catalog_file(path)
    assert [device_record(d) for d in again.devices] == [device_record(d) for d in bundled.devices]
    assert again.devices == bundled.devices
    assert len(again.devices) == 10
    assert load_catalog(path).version == again.version  # load_catalog reads every format too
    # A second export of what was read is byte-identical: the format is canonical.
    assert export_catalog(again, fmt) == export_catalog(bundled, fmt)


def test_csv_layout(tmp_path: Path) -> None:
    text = export_catalog(load_catalog(), "csv")
    lines = text.splitlines()
    assert lines[0] == ",".join(CSV_COLUMNS)
    assert len(lines) == 11
    assert lines[1].startswith(
        "zanco-tiny-t1,Zanco tiny t1,Zanco,zanco-tiny-t1,"
        "Zanco tiny t1;Zanco Tiny T1;Tiny T1;Zanco T1;Zanco tiny-t1;Tiny-T1,46.7;21;12,13,200,"
    )


def _csv_with(tmp_path: Path, line: int, column: str, value: str) -> Path:
    text = export_catalog(load_catalog(), "csv")
    lines = text.splitlines()
    header = lines[0].split(",")
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    rows[line - 1][header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path = tmp_path / "catalog.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_csv_error_names_file_line_id_and_field(tmp_path: Path) -> None:
    path = _csv_with(tmp_path, 5, "weight_g", "heavy")
    with pytest.raises(CatalogError) as info:
        read_catalog_file(path)
    assert info.value.problems == (
        f"{path}: line 5 (id 'l8star-bm10'): field 'weight_g': "
        "Input should be a valid number, unable to parse string as a number",
    )


def test_csv_reports_every_problem(tmp_path: Path) -> None:
    path = _csv_with(tmp_path, 2, "family", "BM55!")
    text = path.read_text(encoding="utf-8").splitlines()
    text[3] = text[3].replace("zanco-fly,", "ZANCO FLY,", 1)
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        read_catalog_file(path)
    assert len(info.value.problems) == 2
    assert info.value.problems[0].startswith(f"{path}: line 2 (id 'zanco-tiny-t1'): field 'family': ")
    assert info.value.problems[1].startswith(f"{path}: line 4 (id 'ZANCO FLY'): field 'id': ")


def test_csv_unknown_column_and_fact_without_source(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,family,aliases,colour\nx,X,bm10,X,red\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"line 1: column 'colour' is not a catalog column"):
        read_catalog_file(bad)
    path = _csv_with(tmp_path, 3, "source_chipset", "")
    with pytest.raises(CatalogError) as info:
        read_catalog_file(path)
    assert info.value.problems == (
        f"{path}: line 3 (id 'zanco-tiny-t2'): field 'sources': "
        "'chipset' has a value but no source in 'sources'",
    )


def test_yaml_and_json_errors_name_index_id_and_field(tmp_path: Path) -> None:
    data = yaml.safe_load(export_catalog(load_catalog(), "yaml"))
    data["devices"][3]["battery_mah"] = -1
    data["devices"][7]["aliases"] = []
    for fmt, text in (
        ("yaml", yaml.safe_dump(data, sort_keys=False)),
        ("json", json.dumps(data)),
    ):
        path = tmp_path / f"bad.{fmt}"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(CatalogError) as info:
            read_catalog_file(path)
        assert [p.split(": field ")[0] for p in info.value.problems] == [
            f"{path}: device #3 (id 'l8star-bm10')",
            f"{path}: device #7 (id '{data['devices'][7]['id']}')",
        ]
        assert "field 'battery_mah'" in info.value.problems[0]
        assert "field 'aliases'" in info.value.problems[1]


def test_unknown_extension_and_bad_json(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"unknown catalog format '\.txt'"):
        read_catalog_file(tmp_path / "catalog.txt")
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid JSON"):
        read_catalog_file(bad)
