"""Spec extraction: units, local number formats, separators and spans."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.specs import extract_specs, parse_number, to_grams, to_mm
from matching.text import fold


def _specs(text: str) -> list[tuple[str, tuple[float, ...], str]]:
    folded = fold(text)
    return [
        (s.kind, tuple(round(v, 2) for v in s.value), text[s.span[0] : s.span[1]])
        for s in extract_specs(folded)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Size: 68*28*13mm", [("dims", (68.0, 28.0, 13.0), "68*28*13mm")]),
        ("Dimensions : 6,8 x 2,3 x 1,1 cm", [("dims", (68.0, 23.0, 11.0), "6,8 x 2,3 x 1,1 cm")]),
        ("Размер 68×28×13 мм", [("dims", (68.0, 28.0, 13.0), "68×28×13 мм")]),
        ("Size: 2.68 x 1.1 x 0.51 in.", [("dims", (68.07, 27.94, 12.95), "2.68 x 1.1 x 0.51 in")]),
        ("46.7mm x 21mm x 12mm", [("dims", (46.7, 21.0, 12.0), "46.7mm x 21mm x 12mm")]),
        ("Peso: 18 g", [("weight", (18.0,), "18 g")]),
        ("weight 0.7 oz", [("weight", (19.8,), "0.7 oz")]),
        ("Environ 20 grammes", [("weight", (20.0,), "20 grammes")]),
        ("Akku: 350 mAh", [("battery", (350.0,), "350 mAh")]),
        ("аккумулятор 350 мАч", [("battery", (350.0,), "350 мАч")]),
        ('0.66" OLED', [("screen", (0.66,), '0.66"')]),
        ("2,4 Zoll Display", [("screen", (2.4,), "2,4 Zoll")]),
        ("Approx 6 cm long", [("length", (60.0,), "6 cm")]),
        ("2G GSM only, 4G", []),
        ("1.0 inch 128*128 colour", [("screen", (1.0,), "1.0 inch")]),
    ],
)
def test_extract(text: str, expected: list) -> None:
    assert _specs(text) == expected


def test_spans_index_original_text_after_folding() -> None:
    text = 'Écran 0,49" – Größe: 46,7 x 21 x 12 mm – 13 g'
    assert [t for _, _, t in _specs(text)] == ['0,49"', "46,7 x 21 x 12 mm", "13 g"]


@given(
    st.integers(min_value=0, max_value=9999),
    st.integers(min_value=0, max_value=99),
    st.sampled_from([",", "."]),
)
def test_parse_number_either_decimal_mark(whole: int, frac: int, mark: str) -> None:
    assert parse_number(f"{whole}{mark}{frac:02d}") == pytest.approx(whole + frac / 100)


@given(st.floats(min_value=0.1, max_value=500, allow_nan=False))
def test_unit_normalisers(value: float) -> None:
    assert to_mm(value, "cm") == pytest.approx(value * 10)
    assert to_mm(value, "inches") == pytest.approx(value * 25.4)
    assert to_mm(value, "мм") == value
    assert to_grams(value, "oz") == pytest.approx(value * 28.3495)
    assert to_grams(value, "gramos") == value


@given(
    st.tuples(*[st.integers(min_value=100, max_value=900)] * 3),
    st.sampled_from(["mm", "cm"]),
    st.sampled_from([" x ", "*", "×", " X "]),
    st.booleans(),
)
def test_dims_roundtrip(tenths: tuple[int, int, int], unit: str, sep: str, comma: bool) -> None:
    mm = [t / 10 for t in tenths]
    shown = [v if unit == "mm" else v / 10 for v in mm]
    parts = [f"{v:g}".replace(".", ",") if comma else f"{v:g}" for v in shown]
    specs = extract_specs(fold(f"Size: {sep.join(parts)} {unit} / black"))
    assert len(specs) == 1 and specs[0].kind == "dims"
    assert specs[0].value == pytest.approx(sorted(mm, reverse=True))
