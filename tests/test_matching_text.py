"""The vocabulary scan's trigger analysis: which words a fragment can start at, and the scan
against plain per-class `finditer` on hand-written texts."""

from __future__ import annotations

import pytest

from matching.fragments import first_word_triggers, literal_start
from matching.text import word_regex
from matching.vocab import VocabIndex


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("cases?", ("case", False)),
        ("a clapet", ("a", True)),
        ("2g", ("2g", True)),
        ("ear ?buds?", ("ear", False)),
        ("sim-карт\\w*", ("sim", True)),
        (r"850/900/1800/1900(?:\s?mhz)?", ("850/900/1800/1900", False)),
        (r"x(?:y|z)", None),
        (r"\w+", None),
    ],
)
def test_literal_start(fragment: str, expected: tuple[str, bool] | None) -> None:
    assert literal_start(fragment) == expected


def test_first_word_triggers_expands_groups() -> None:
    assert first_word_triggers(r"(?:no|zero|without(?: any)?) metal") == {
        ("no", True),
        ("zero", True),
        ("without", False),  # a group right after the word could go on with letters
    }
    assert first_word_triggers(r"(?:mini|micro)?phones?") == {
        ("miniphone", False),
        ("microphone", False),
        ("phone", False),
    }
    assert first_word_triggers(r"(?:\w+ )?phone") is None


CLASSES = {
    "no_metal": [r"(?:no|zero|free of) metal(?: parts)?", r"metal[\s-]?free"],
    "earpiece": [r"ear ?buds?", r"headsets?"],
    "phone": [r"(?:mini[\s-]?)?phones?", r"mini"],
}


@pytest.mark.parametrize(
    "text",
    [
        "earbuds, no metal parts, mini phone",
        "ear buds free of metal freedom metal-free minis",
        "mini-phone mini phones zero metal headset",
        "",
        "freedom of nothing",
    ],
)
def test_scan_equals_finditer(text: str) -> None:
    expected = {}
    for name, fragments in CLASSES.items():
        spans = [m.span() for m in word_regex(fragments).finditer(text)]
        if spans:
            expected[name] = spans
    assert VocabIndex(CLASSES).scan(text) == expected
