"""`thumbwatch eval`: exact figures on a small labelled file, line-numbered errors, the dev set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matching import get_matcher
from matching.evaluation import evaluate_labels, read_label_file, read_labels
from matching.jsonlines import LineError
from tests.e2e_support import run_cli

# Measured on ../shared/eval/dev.jsonl with MATCHER_VERSION 2026.4 and the bundled catalog:
# 156 non-ambiguous lines, TP 72, FP 0, FN 0, TN 84, F1 1.000, family accuracy 72/72.
DEV_F1_FLOOR = 1.0
DEV_N = 156


def _line(
    id_: str, lang: str, title: str, description: str, label: bool, family: str | None, **kw: object
) -> str:
    return json.dumps(
        {
            "id": id_,
            "marketplace": "test",
            "lang": lang,
            "title": title,
            "description": description,
            "price": None,
            "currency": None,
            "label": label,
            "family": family,
            "ambiguous": kw.get("ambiguous", False),
            "note": "",
        },
        ensure_ascii=False,
    )


# Some labels are deliberately wrong so that every outcome occurs once at least.
SMALL = [
    _line("p1", "en", "L8star BM10 mini phone dual SIM", "Size 68x28x13mm, 350mAh", True, "bm10"),
    _line(
        "p2",
        "de",
        "Zanco tiny t1 Minihandy OVP",
        "Verkaufe mein Zanco tiny t1, 13 g, 2G.",
        True,
        "zanco-tiny-t1",
    ),
    _line("p3", "fr", "Mini téléphone LONG CZ J8 double SIM", "Petit, 2G", True, "bm50"),  # wrong family
    _line("n1", "en", "Apple iPhone 13 mini 128GB blue", "Unlocked smartphone", False, None),
    _line("fp", "en", "L8star BM70 mini phone", "Bluetooth dialer, 2G", False, None),
    _line("fn", "es", "Nokia 105 teléfono móvil", "Teclado grande", True, "generic"),
    _line("amb", "en", "Apple iPhone 12 mini", "", True, "generic", ambiguous=True),
]


def _small(tmp_path: Path) -> Path:
    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(SMALL) + "\n", encoding="utf-8")
    return path


def test_small_file_exact_figures(tmp_path: Path) -> None:
    report = evaluate_labels(read_label_file(_small(tmp_path)), get_matcher())
    d = report.to_dict()
    assert (d["n"], d["tp"], d["fp"], d["fn"], d["tn"], d["ambiguous_ignored"]) == (6, 3, 1, 1, 1, 1)
    assert (d["precision"], d["recall"], d["f1"]) == (0.75, 0.75, 0.75)
    assert d["per_tier"]["high"] == {
        "n": 4,
        "positives": 3,
        "negatives": 1,
        "flagged": True,
        "precision": 0.75,
    }
    assert d["per_tier"]["none"] == {
        "n": 2,
        "positives": 1,
        "negatives": 1,
        "flagged": False,
        "precision": None,
    }
    assert d["per_tier"]["medium"]["n"] == 0 and d["per_tier"]["medium"]["precision"] is None
    assert d["per_lang"]["en"]["precision"] == 0.5
    assert (d["per_lang"]["en"]["recall"], d["per_lang"]["en"]["n"]) == (1.0, 3)
    assert (d["per_lang"]["fr"]["f1"], d["per_lang"]["de"]["f1"]) == (1.0, 1.0)
    assert (d["per_lang"]["es"]["precision"], d["per_lang"]["es"]["recall"], d["per_lang"]["es"]["f1"]) == (
        None,
        0.0,
        None,
    )
    assert (d["family_correct"], d["family_total"]) == (2, 3)
    assert d["family_accuracy"] == pytest.approx(2 / 3)
    assert [(e["id"], e["family"], e["expected_family"]) for e in d["family_mismatches"]] == [
        ("p3", "long-cz-j8", "bm50")
    ]
    assert [(e["id"], e["tier"], e["device_id"]) for e in d["false_positives"]] == [
        ("fp", "high", "l8star-bm70")
    ]
    assert [(e["id"], e["score"], e["tier"]) for e in d["false_negatives"]] == [("fn", 0, "none")]
    assert d["false_positives"][0]["title"] == "L8star BM70 mini phone"
    assert d["false_positives"][0]["reasons"]  # the evidence behind the wrong flag


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("{not json", "invalid JSON (Expecting property name enclosed in double quotes at column 2)"),
        ('["a"]', "expected a JSON object, got list"),
        (
            json.dumps({"id": "x", "lang": "en", "title": "t"}),
            "missing key(s) 'description', 'label', 'family', 'ambiguous'",
        ),
        (_line("x", "en", "t", "", True, None), "'family' is required when 'label' is true"),
        (_line("p1", "en", "t", "", False, None), "duplicate id 'p1' (first on line 1)"),
        (
            _line("x", "en", "t", "", False, None).replace('false, "family"', '"no", "family"'),
            "'label' must be true or false, got \"no\"",
        ),
    ],
)
def test_malformed_line_names_file_and_line(bad: str, why: str) -> None:
    with pytest.raises(LineError) as info:
        read_labels([SMALL[0], "", bad], "labels.jsonl")
    assert str(info.value) == f"labels.jsonl, line 3: {why}"


def test_a_labelled_listing_may_carry_its_attribute_table() -> None:
    plain = {"id": "a1", "lang": "de", "title": "Mini Handy Dual SIM", "description": "Neu, OVP"}
    plain |= {"label": True, "family": "generic", "ambiguous": False}
    table = {**plain, "id": "a2", "attributes": {"Gewicht": "18 g", "Abmessungen": "6,8 x 2,8 x 1,3 cm"}}
    records = read_labels([json.dumps(plain), json.dumps(table)], "labels.jsonl")
    assert [r.attributes for r in records] == [None, table["attributes"]]
    # Scored from title and description alone it is missed (30 points); its table makes it flagged.
    report = evaluate_labels(records, get_matcher()).to_dict()
    assert (report["tp"], report["fn"]) == (1, 1)
    assert [e["id"] for e in report["false_negatives"]] == ["a1"]
    with pytest.raises(LineError, match="line 1: 'attributes' must be an object of names to strings"):
        read_labels([json.dumps({**plain, "attributes": ["18 g"]})], "labels.jsonl")


def test_dev_set_meets_the_measured_floor(shared_dir: Path) -> None:
    report = evaluate_labels(read_label_file(shared_dir / "eval" / "dev.jsonl"), get_matcher())
    assert (report.overall.n, report.ambiguous_ignored) == (DEV_N, 4)
    assert report.overall.f1 is not None and report.overall.f1 >= DEV_F1_FLOOR, report.to_dict()
    assert report.per_tier["high"].precision is not None and report.per_tier["high"].precision >= 0.99


# -- through the CLI (needs `eval` registered in crawler/cli.py) ----------------------------------


def test_cli_eval_json_on_the_dev_set(shared_dir: Path, tmp_path: Path) -> None:
    result = run_cli(tmp_path, "eval", "--labels", str(shared_dir / "eval" / "dev.jsonl"), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"precision", "recall", "f1", "n", "per_tier", "per_lang", "family_accuracy"} <= set(data)
    assert {"false_positives", "false_negatives"} <= set(data)
    assert data["n"] == DEV_N and data["f1"] >= DEV_F1_FLOOR


def test_cli_eval_table_on_small_file(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "eval", "--labels", str(_small(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert "6 labelled listings (1 ambiguous ignored)" in result.stdout
    assert "family accuracy over flagged true positives: 0.667 (2/3)" in result.stdout
    assert "false positives (1)" in result.stdout and "false negatives (1)" in result.stdout


def test_cli_eval_malformed_line_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(SMALL[0] + "\n" + SMALL[1] + "\n{not json\n", encoding="utf-8")
    result = run_cli(tmp_path, "eval", "--labels", str(path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {path}, line 3: invalid JSON (Expecting property name enclosed in double quotes at column 2)"
    ]
    assert result.stdout == ""
