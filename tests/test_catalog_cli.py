"""Catalog imports (all-or-nothing, on the record, picked up by matching and query expansion)
and the ``thumbwatch catalog`` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from crawler.catalog_store import (
    active_catalog,
    active_catalog_path,
    active_matcher,
    import_catalog,
    list_imports,
)
from crawler.config import get_settings
from matching import get_matcher, load_catalog
from matching.catalog_io import export_catalog
from spiders.queries import site_queries
from storage import CatalogImport, session_factory, upgrade_database
from tests.e2e_support import run_cli

NANOFONE = {
    "id": "nanofone-x9",
    "name": "Nanofone X9",
    "brand": "Nanofone",
    "family": "nanofone",  # a family the bundled catalog does not have
    "aliases": ["Nanofone X9", "Nano-fone X9", "NanofoneX9"],
    "weight_g": 15,
    "battery_mah": 280,
    "sources": {"weight_g": ["example.org/nanofone-x9"], "battery_mah": ["example.org/nanofone-x9"]},
}


def _catalog_with_nanofone(tmp_path: Path, fmt: str = "yaml") -> Path:
    data = yaml.safe_load(export_catalog(load_catalog(), "yaml"))
    data["devices"].append(NANOFONE)
    data["devices"][0]["weight_g"] = 12  # one changed device
    yaml_path = tmp_path / "with_nanofone.yaml"
    yaml_path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    if fmt == "yaml":
        return yaml_path
    path = tmp_path / f"with_nanofone.{fmt}"
    path.write_text(export_catalog(load_catalog(yaml_path), fmt), encoding="utf-8")
    return path


def _sessions() -> object:
    return session_factory(upgrade_database(get_settings().resolved_database_url))


def _import_count() -> int:
    with _sessions()() as session:  # type: ignore[operator]
        return int(session.scalar(select(func.count()).select_from(CatalogImport)) or 0)


@pytest.mark.parametrize("fmt", ["yaml", "csv"])
def test_good_import_is_recorded_and_becomes_active(tmp_path: Path, isolated_config: Path, fmt: str) -> None:
    settings = get_settings()
    assert active_catalog_path(settings) is None
    source = _catalog_with_nanofone(tmp_path, fmt)
    record = import_catalog(source, "officer-17", _sessions())  # type: ignore[arg-type]

    active = active_catalog_path(settings)
    assert active == isolated_config / "catalog" / f"{record.catalog_version}.yaml"
    catalog = load_catalog(active)
    assert catalog.version == record.catalog_version
    assert catalog.get("nanofone-x9").aliases == ("Nanofone X9", "Nano-fone X9", "NanofoneX9")
    assert (isolated_config / "catalog" / "active").read_text() == f"{record.catalog_version}\n"
    with _sessions()() as session:  # type: ignore[operator]
        (row,) = list_imports(session)
    assert (row.imported_by, row.source_file, row.catalog_version) == (
        "officer-17",
        source.name,
        record.catalog_version,
    )
    assert (row.device_count, row.devices_added, row.devices_changed, row.devices_removed) == (11, 1, 1, 0)
    assert row.previous_version == load_catalog().version
    assert row.imported_at.tzinfo is not None

    assert get_matcher(active).catalog.version == record.catalog_version
    assert "Nanofone X9" in site_queries(load_catalog(active_catalog_path(settings)), "en")


def test_imported_device_is_matched(tmp_path: Path) -> None:
    record = import_catalog(_catalog_with_nanofone(tmp_path), "officer-17", _sessions())  # type: ignore[arg-type]
    matcher = active_matcher()  # what crawls, match, eval and rescore use
    assert matcher.catalog.version == record.catalog_version
    assert matcher.score_listing("Nanofone X9 mini phone, smallest phone 2G").device_id == "nanofone-x9"
    assert "nanofone-x9" in {device.id for device in active_catalog().devices}


def test_failed_import_writes_nothing(tmp_path: Path, isolated_config: Path) -> None:
    first = import_catalog(_catalog_with_nanofone(tmp_path), "a", _sessions())  # type: ignore[arg-type]
    before = sorted(p.name for p in (isolated_config / "catalog").iterdir())
    bad = tmp_path / "bad.csv"
    bad.write_text(export_catalog(load_catalog(), "csv").replace(",13,200,", ",-13,200,"), encoding="utf-8")
    with pytest.raises(Exception, match=r"line 2 \(id 'zanco-tiny-t1'\): field 'weight_g'"):
        import_catalog(bad, "b", _sessions())  # type: ignore[arg-type]
    assert sorted(p.name for p in (isolated_config / "catalog").iterdir()) == before
    assert _import_count() == 1
    assert (
        active_catalog_path(get_settings()) == isolated_config / "catalog" / f"{first.catalog_version}.yaml"
    )


def test_reimport_and_configured_path_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = _catalog_with_nanofone(tmp_path)
    one = import_catalog(source, "a", _sessions())  # type: ignore[arg-type]
    two = import_catalog(source, "a", _sessions())  # type: ignore[arg-type]
    assert one.catalog_version == two.catalog_version
    assert (two.devices_added, two.devices_changed, two.devices_removed) == (0, 0, 0)
    monkeypatch.setenv("THUMBWATCH_CATALOG_PATH", str(source))
    get_settings.cache_clear()
    assert active_catalog_path(get_settings()) == source


# -- the CLI (needs `app.add_typer(catalog_app, name="catalog")` in crawler/cli.py) -----------


def test_cli_validate_import_show_list_history_export(tmp_path: Path, isolated_config: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        export_catalog(load_catalog(), "csv")
        .replace(",13,200,", ",-13,200,")
        .replace("zanco-fly,", "Z F,", 1),
        encoding="utf-8",
    )
    result = run_cli(isolated_config, "catalog", "validate", str(bad))
    assert result.returncode == 2
    problems = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(problems) == 2
    assert f"{bad}: line 2 (id 'zanco-tiny-t1'): field 'weight_g'" in problems[0]
    assert f"{bad}: line 4 (id 'Z F'): field 'id'" in problems[1]

    source = _catalog_with_nanofone(tmp_path, "json")
    result = run_cli(isolated_config, "catalog", "validate", str(source))
    assert result.returncode == 0, result.stderr
    assert "valid, 11 devices" in result.stdout
    assert "1 added, 1 changed, 0 removed" in result.stdout

    result = run_cli(isolated_config, "catalog", "import", str(source), "--by", "officer-17")
    assert result.returncode == 0, result.stderr
    assert "11 devices, 1 added, 1 changed, 0 removed" in result.stdout

    result = run_cli(isolated_config, "catalog", "show", "nanofone-x9")
    assert result.returncode == 0, result.stderr
    assert "weight_g: 15\n    source: example.org/nanofone-x9\n" in result.stdout
    result = run_cli(isolated_config, "catalog", "show", "no-such-phone")
    assert result.returncode == 2
    assert "no-such-phone" in result.stderr

    result = run_cli(isolated_config, "catalog", "list", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 11
    assert rows[-1] == {
        "id": "nanofone-x9",
        "name": "Nanofone X9",
        "aliases": ["Nanofone X9", "Nano-fone X9", "NanofoneX9"],
        "family": "nanofone",
        "dimensions": None,
        "weight": 15.0,
        "battery": 280,
        "chipset": None,
    }

    result = run_cli(isolated_config, "catalog", "history", "--format", "json")
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert (row["imported_by"], row["source_file"], row["device_count"], row["active"]) == (
        "officer-17",
        source.name,
        11,
        True,
    )

    out = tmp_path / "exported.csv"
    result = run_cli(isolated_config, "catalog", "export", "--format", "csv", "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert load_catalog(out).devices == load_catalog(source).devices
