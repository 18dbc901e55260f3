"""`thumbwatch match`: JSON Lines in and out, errors naming the line, --skip-invalid."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e_support import run_cli

POSITIVE = {
    "id": "p1",
    "title": "L8star BM10 mini phone dual SIM",
    "description": "Size 68x28x13mm, 350mAh",
    "price": 19.99,
    "currency": "GBP",
    "seller_rating": 4.5,
}
NEGATIVE = {"id": "n1", "title": "Apple iPhone 13 mini 128GB blue", "description": "Unlocked smartphone"}


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_match_file_to_file_keeps_unknown_keys(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.jsonl", [json.dumps(POSITIVE), "", json.dumps(NEGATIVE)])
    result = run_cli(tmp_path, "match", "--input", str(source), "--output", str(tmp_path / "out.jsonl"))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["p1", "n1"]
    positive, negative = rows
    assert positive["seller_rating"] == 4.5 and positive["price"] == 19.99
    assert (positive["flagged"], positive["device"], positive["tier"]) == (True, "l8star-bm10", "high")
    assert positive["score"] >= 80 and all(isinstance(r, str) for r in positive["reasons"])
    assert (negative["flagged"], negative["device"], negative["tier"]) == (False, None, "none")
    assert "2 listings scored, 1 flagged, 0 skipped" in result.stderr


def test_malformed_line_stops_with_its_number_and_writes_nothing(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.jsonl", [json.dumps(POSITIVE), json.dumps(NEGATIVE), "{not json"])
    out = tmp_path / "out.jsonl"
    result = run_cli(tmp_path, "match", "--input", str(source), "--output", str(out))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {source}, line 3: invalid JSON "
        "(Expecting property name enclosed in double quotes at column 2)"
    ]
    assert not out.exists()
    assert list(tmp_path.glob("out.jsonl*")) == []


def test_skip_invalid_reports_skipped_lines(tmp_path: Path) -> None:
    lines = [json.dumps(POSITIVE), json.dumps({"title": ""}), "[1, 2]", json.dumps(NEGATIVE)]
    result = run_cli(tmp_path, "match", "--skip-invalid", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["p1", "n1"]
    assert "skipped <stdin>, line 2: missing or empty 'title' (a non-empty string)" in result.stderr
    assert "skipped <stdin>, line 3: expected a JSON object, got list" in result.stderr
    assert "2 listings scored, 1 flagged, 2 skipped" in result.stderr


def test_missing_input_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "match", "--input", str(tmp_path / "nope.jsonl"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_an_attribute_table_is_read_with_the_title_and_description(tmp_path: Path) -> None:
    # The specs that make this a mini phone are only in its attribute table, as a shop lists them.
    plain = {"id": "a1", "title": "Mini Handy Dual SIM", "description": "Neu, OVP"}
    table = {**plain, "id": "a2", "attributes": {"Gewicht": "18 g", "Abmessungen": "6,8 x 2,8 x 1,3 cm"}}
    bad = {**plain, "id": "a3", "attributes": {"Gewicht": 18}}
    source = _write(tmp_path / "in.jsonl", [json.dumps(plain), json.dumps(table), json.dumps(bad)])
    result = run_cli(tmp_path, "match", "--skip-invalid", "--input", str(source))
    assert result.returncode == 0, result.stderr
    without, with_table = (json.loads(line) for line in result.stdout.splitlines())
    assert with_table["attributes"] == table["attributes"]  # kept, like every input key
    assert with_table["score"] > without["score"]
    assert any("18 g" in r for r in with_table["reasons"]) and any("68" in r for r in with_table["reasons"])
    assert (
        f"skipped {source}, line 3: 'attributes' must be an object of names to strings, got "
        '{"Gewicht": 18}' in result.stderr
    )
