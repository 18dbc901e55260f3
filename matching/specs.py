"""Spec extraction from listing text: dimensions, single lengths, weight, battery, screen size.

Works on folded text (see `text.fold`) so spans index the original text too. Handles local number
formats (`6,8`), unit spellings (mm cm in " inch zoll pouces; g gr gramm grammes gramos grammaa
γραμμάρια грама гр oz; mAh мАч) and separators (`68*28*13mm`, `6,8 x 2,8 x 1,3 cm`,
`68×28×13 мм`). Values are normalised to millimetres, grams, mAh and inches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from matching.speedups import Memo, slot_constructor
from matching.text import plain_ascii

__all__ = ["SPEC_RE", "Spec", "extract_specs", "parse_number", "to_grams", "to_mm"]

# `\d` first (not `\d{1,4}`) lets `re` skip straight to digits: it only computes a first-character
# set for a pattern that starts with a plain character class. The digit runs are possessive:
# giving digits back leaves a digit, dot or comma next, which nothing after a number accepts. The
# decimal part's group is not: CPython before 3.11.5 (Debian 12's 3.11.2 among them) matched a
# possessive group whose inner repeat failed as if it had not (`0.in` read as the number `0.`).
_NUM = r"(\d\d{0,3}+(?:[.,]\d{1,3}+)?)"
# A match starts at the first digit of a run, or further in only while three more digits follow:
# otherwise the number read one digit earlier ends at the same place, and that attempt, always
# made first, either failed the same way or took this digit into its match. Ids and prices are
# long runs, so this spares most attempts.
_FIRST_NUM = r"(\d(?:(?<!\d.)|(?=\d{3}))\d{0,3}+(?:[.,]\d{1,3}+)?)"
# What can follow a number that starts a match: a dims separator or a unit's first letter. Checked
# first, it spares the thirty unit alternatives at every digit of prices, ids and phone numbers.
_UNIT_AHEAD = r"(?=\s*(?:-\s*)?[mcx*хмсgгo\"'izpдγ])"
_LEN_UNIT = r"(mm|cm|millimet\w*|centimet\w*|in(?:ch(?:es)?)?|\"|''|zoll|pouces?|pulgadas?|polegadas?|мм|см)"
_SEP = r"\s*(?:mm|cm)?\s*[x*х]\s*"
_UNIT = (
    r"(mm|cm|мм|см|grams?|grammes?|gramm|gramos|grammi|gramas|gramow|grammaa|gramu|gramov|gramai|grama|"
    r"gr|grs|g|грам\w*|гр|г|γρ(?:αμμαρια)?|oz|ounces?|"
    r"mah|мач|mach|\"|''|inch(?:es)?|zoll|pouces?|pulgadas?|polegadas?|pollici|дюйм\w*|inc|"
    r"in(?=\s+(?:screen|display|oled|lcd|tft)))"
)
# One digit-first regex for every kind: a number is read once.
SPEC_RE = re.compile(
    _FIRST_NUM + _UNIT_AHEAD + r"(?:" + _SEP + _NUM + r"(?:" + _SEP + _NUM + r")?\s*" + _LEN_UNIT + r"(?!\w)"
    r"|\s*(?:-\s*)?" + _UNIT + r"(?!\w))"
)
# The same for plain ASCII text, where `re.ASCII` changes no result and tests digits faster.
_SPEC_ASCII = re.compile(SPEC_RE.pattern, re.ASCII)
_WEIGHT_UNITS = frozenset(
    {
        "grams",
        "gram",
        "grammes",
        "gramme",
        "gramm",
        "gramos",
        "grammi",
        "gramas",
        "gramow",
        "grammaa",
        "gramu",
        "gramov",
        "gramai",
        "grama",
        "γρ",
        "гр",
        "γραμμαρια",
        "gr",
        "grs",
        "g",
        "г",
        "oz",
        "ounce",
        "ounces",
    }
)
_LENGTH_UNITS = frozenset({"mm", "cm", "мм", "см"})
_MM_PER = {"mm": 1.0, "cm": 10.0, "in": 25.4}


@dataclass(frozen=True, slots=True)
class Spec:
    """One extracted value: kind is dims|length|weight|battery|screen; value normalised."""

    kind: str
    value: tuple[float, ...]
    span: tuple[int, int]
    unit: str


# Specs are built for most listings: set their slots directly (same fields, same object).
_spec = slot_constructor(Spec)


def parse_number(text: str) -> float:
    """`"6,8"` and `"6.8"` -> 6.8 (a single comma or dot is the decimal mark here)."""
    return float(text.replace(",", "."))


def _unit_family(unit: str) -> str:
    if unit in ("mm", "мм") or unit.startswith("millimet"):
        return "mm"
    if unit in ("cm", "см") or unit.startswith("centimet"):
        return "cm"
    return "in"


def to_mm(value: float, unit: str) -> float:
    """A length in `unit` (mm, cm, inch spellings) in millimetres."""
    return value * _MM_PER[_unit_family(unit)]


def to_grams(value: float, unit: str) -> float:
    """A weight in `unit` (g spellings or oz/ounce) in grams."""
    return value * 28.3495 if unit.startswith(("oz", "ounce")) else value


def extract_specs(folded: str) -> list[Spec]:
    """All spec mentions in folded text, in text order."""
    specs: list[Spec] = []
    for m in (_SPEC_ASCII if plain_ascii(folded) else SPEC_RE).finditer(folded):
        spec = _spec_of(folded, m)
        if spec is not None:
            specs.append(spec)
    return specs


# A reading per distinct match (its groups): listings repeat the same spec strings.
_Reading = tuple[str, tuple[float, ...], str]
_READINGS: Memo[tuple[str | None, ...], _Reading | None] = Memo(lambda groups: _read(*groups), 50_000)


def _spec_of(folded: str, m: re.Match[str]) -> Spec | None:
    """The spec a match reads, or None for what is not one (see `_read`)."""
    start = m.start()
    if start and (folded[start - 1].isalnum() or folded[start - 1] in ".,_"):
        return None
    reading = _READINGS[m.groups()]
    if reading is None:
        return None
    return _spec(reading[0], reading[1], m.span(), reading[2])


def _read(n1: str, n2: str | None, n3: str | None, dunit: str | None, unit: str | None) -> _Reading | None:
    """(kind, value, unit) of a match's groups, or None for what is not a spec (see the comments)."""
    if dunit is not None:
        if dunit in ('"', "''") and n3 is None:
            return None  # 128x128" is a resolution + screen size, not a size
        nums = [parse_number(n) for n in (n1, n2, n3) if n is not None]
        mm = tuple(sorted((to_mm(n, dunit) for n in nums), reverse=True))
        return "dims", mm, _unit_family(dunit)
    assert unit is not None  # the pattern's other branch
    if unit in _LENGTH_UNITS:
        return "length", (to_mm(parse_number(n1), unit),), _unit_family(unit)
    if unit in _WEIGHT_UNITS or unit.startswith("грам"):
        # "2G", "3g", "4G" are networks; a bare single-digit "g" is never a phone's weight.
        if unit in ("g", "г") and len(n1) == 1:
            return None
        grams = round(to_grams(parse_number(n1), unit), 1)
        return "weight", (grams,), "oz" if unit.startswith(("oz", "ounce")) else "g"
    if unit in ("mah", "мач", "mach"):
        if "," not in n1 and "." not in n1 and len(n1) >= 2:
            return "battery", (float(n1),), "mah"
        return None
    if len(n1) <= 4 and parse_number(n1) < 10:
        return "screen", (parse_number(n1),), "in"
    return None
