"""`matching.jsonlines`: what `thumbwatch match` reads and writes, line by line."""

from __future__ import annotations

import json

import pytest

from matching.jsonlines import LineError, encode_line, json_object, score_line
from matching.matcher import get_matcher


def _scored(text: str) -> dict[str, object]:
    output, _, why = score_line(get_matcher(), ("in.jsonl", 1, text))
    assert why is None and output is not None
    return json.loads(output)


def test_an_output_line_is_its_input_plus_the_verdict_with_text_as_it_is() -> None:
    line = json.dumps(
        {"id": 7, "title": "Mini téléphone L8star BM10 – 18 g", "price": 19.99, "extra": [1, None, True]},
        ensure_ascii=False,
    )
    output, flagged, why = score_line(get_matcher(), ("in.jsonl", 1, line))
    assert why is None and flagged
    assert "téléphone" in output and "–" in output  # not \\u escapes
    record = json.loads(output)
    assert record["id"] == 7 and record["price"] == 19.99 and record["extra"] == [1, None, True]
    assert record["device"] == "l8star-bm10" and record["tier"] in ("high", "medium", "low")
    assert all(isinstance(text, str) for text in record["reasons"])


@pytest.mark.parametrize(
    "value, written",
    [
        ("NaN", "NaN"),  # orjson would write null
        ("-Infinity", "-Infinity"),
        ("123456789012345678901234567890", "123456789012345678901234567890"),
        ('"mini phone \\ud800"', '"mini phone \ud800"'),  # a lone surrogate, written as it is
    ],
)
def test_what_orjson_refuses_to_write_is_written_by_json_as_it_was_read(value: str, written: str) -> None:
    record = json_object(f'{{"title": "mini phone", "x": {value}, "y": 1.5}}', "in.jsonl", 1)
    output = encode_line(record)
    assert output == json.dumps(record, ensure_ascii=False)
    assert f'"x": {written}, "y": 1.5' in output


def test_a_big_integer_is_read_whole() -> None:
    big = 123456789012345678901234567890
    assert json_object(f'{{"id": {big}}}', "in.jsonl", 1)["id"] == big


@pytest.mark.parametrize(
    "line, why",
    [
        ("{not json", "invalid JSON (Expecting property name enclosed in double quotes at column 2)"),
        ('{"title": "a",}', "invalid JSON (Expecting property name enclosed in double quotes at column 15)"),
        ('\ufeff{"title": "a"}', "invalid JSON (Unexpected UTF-8 BOM (decode using utf-8-sig) at column 1)"),
        ("[1, 2]", "expected a JSON object, got list"),
    ],
)
def test_an_invalid_line_gets_the_standard_librarys_message(line: str, why: str) -> None:
    with pytest.raises(LineError) as error:
        json_object(line, "in.jsonl", 4)
    assert error.value.why == why and str(error.value) == f"in.jsonl, line 4: {why}"


def test_score_line_reports_a_bad_line_without_output() -> None:
    assert score_line(get_matcher(), ("in.jsonl", 2, '{"title": ""}')) == (
        None,
        False,
        "missing or empty 'title' (a non-empty string)",
    )


def test_a_line_with_nan_is_scored_like_its_twin_with_null() -> None:
    lenient = _scored('{"title": "L8star BM10 mini phone", "weight": NaN}')
    plain = _scored('{"title": "L8star BM10 mini phone", "weight": null}')
    del lenient["weight"], plain["weight"]
    assert lenient == plain
