"""The command line's shared row writer."""

from __future__ import annotations

import csv
import io

from crawler.output import OutputFormat, write_rows


def test_csv_defuses_spreadsheet_formulas_and_flattens_structures() -> None:
    rows = [
        {
            "title": '=HYPERLINK("http://evil")',
            "seller": "@cmd",
            "price": "-",
            "reasons": ["a", "b"],
            "n": -3,
        },
        {"title": "L8star BM10 mini", "seller": "shop", "price": "19.99", "reasons": [], "n": 2},
    ]
    out = io.StringIO()
    write_rows(rows, OutputFormat.CSV, ("title",), out=out)
    read = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert read[0] == {
        "title": '\'=HYPERLINK("http://evil")',
        "seller": "'@cmd",
        "price": "'-",
        "reasons": '["a", "b"]',
        "n": "-3",
    }
    assert read[1]["title"] == "L8star BM10 mini" and read[1]["reasons"] == "[]"
