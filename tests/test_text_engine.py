"""The word-level vocabulary engine and the matcher's fast paths, each against a plain reference.

The scan (`vocab.VocabIndex`) reads fragments through `fragments.word_paths` to skip regex calls;
the references here try every class's filed fragments with a regex at every word, as the engine
did before. The other fast paths (Latin-1 folding, the possessive spec regex) are checked the
same way: on arbitrary text, the result is the reference's.
"""

from __future__ import annotations

import re
from functools import cache

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from matching.fragments import END, OPEN, SEP, Path, first_word_triggers, next_words, word_paths
from matching.specs import SPEC_RE, _spec_of, extract_specs
from matching.terms import _CLASSES, RISK, VOCAB
from matching.text import _FOLD, fold, word_regex
from matching.vocab import VocabIndex

CLASSES = {**_CLASSES, **{"risk_" + name: frags for name, frags in RISK.items()}}


@cache
def _regex(frags: tuple[str, ...]) -> re.Pattern[str]:
    return word_regex(frags)


def _filed(classes: dict[str, list[str]]) -> dict[str, dict[str, tuple[list[str], set[str | None]]]]:
    by_key: dict[str, dict[str, tuple[list[str], set[str | None]]]] = {}
    for name, frags in classes.items():
        for frag in frags:
            triggers = first_word_triggers(frag)
            assert triggers is not None, frag
            for start, whole in triggers:
                group = by_key.setdefault(start[:5], {}).setdefault(name, ([], set()))
                if frag not in group[0]:
                    group[0].append(frag)
                group[1].add(start if whole else None)
    return by_key


FILED = _filed(CLASSES)


def reference_scan(text: str) -> dict[str, list[tuple[int, int]]]:
    """Every class filed under a word's 5- to 2-letter prefixes, tried by regex at that word."""
    found: dict[str, list[tuple[int, int]]] = {}
    ends: dict[str, int] = {}
    for word_match in re.finditer(r"\w+", text):
        word, start = word_match.group(), word_match.start()
        for key in dict.fromkeys(word[:n] for n in (5, 4, 3, 2)):
            for name, (frags, words) in sorted(FILED.get(key, {}).items()):
                if (None not in words and word not in words) or start < ends.get(name, -1):
                    continue
                hit = _regex(tuple(frags)).match(text, start)
                if hit is not None:
                    found.setdefault(name, []).append(hit.span())
                    ends[name] = hit.end()
    return found


def _vocabulary_words() -> list[str]:
    words: set[str] = set()
    for frags in CLASSES.values():
        for frag in frags:
            words.update(re.findall(r"[^\W\d_]{2,}|\d+[a-z]*", frag))
    return sorted(words)


WORDS = _vocabulary_words()
# Word salads of vocabulary words, their near misses and the separators fragments care about.
TOKENS = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(WORDS).map(lambda w: w + "s"),
    st.sampled_from(WORDS).map(lambda w: w[:-1]),
    st.sampled_from(["a", "the", "of", "no", "not", "is", "for", "with", "x", "2g", "4g", "#1234", "e"]),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzé0123456789", min_size=1, max_size=8),
)
SEPARATORS = st.sampled_from([" ", " ", " ", "-", "'", ", ", ". ", "\n", "  ", "/", " - ", "’", ""])
SALAD = st.lists(st.tuples(TOKENS, SEPARATORS), max_size=40).map(
    lambda parts: fold("".join(token + sep for token, sep in parts))
)


@settings(max_examples=400, deadline=None)
@given(SALAD)
def test_scan_finds_what_the_regexes_find(text: str) -> None:
    assert VOCAB.scan(text) == reference_scan(text)


@settings(max_examples=100, deadline=None)
@given(SALAD)
def test_a_fresh_index_and_a_warm_one_agree(text: str) -> None:
    # Plans are remembered per word; a new index plans every word from scratch.
    assert VocabIndex(CLASSES).scan(text) == VOCAB.scan(text)


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("phones?", [Path("phones", END), Path("phone", END)]),
        ("free of metal", [Path("free", SEP, "of metal")]),
        ("wi-?fi hotspot", [Path("wi", SEP, "fi hotspot"), Path("wifi", SEP, "hotspot")]),
        ("ear ?buds?", [Path("ear", SEP, "buds?"), Path("earbuds", END), Path("earbud", END)]),
        ("batter(?:y|ies)", [Path("battery", END), Path("batteries", END)]),
        (r"sim(?!\s?lock)s?", [Path("sim", OPEN)]),
        (r"box\s+only", [Path("box", SEP, "only")]),
        (r"spy (?:\w+ )?cam", [Path("spy", SEP, r"(?:\w+ )?cam")]),
        (r"\w+", None),
        (r"(?:a|b)+c", None),
    ],
)
def test_word_paths(fragment: str, expected: list[Path] | None) -> None:
    assert word_paths(fragment) == expected


def test_next_words() -> None:
    assert next_words("(?:discrete?|diskret)") == (frozenset({"discret", "discrete", "diskret"}), ())
    assert next_words("(?:smallest|tiniest)(?: \\w+){0,2}? phone") == ((frozenset()), ("smallest", "tiniest"))
    assert next_words("850/900") == (frozenset({"850"}), ())  # punctuation ends the word
    assert next_words(r"(?:\w+ )?cam") is None
    assert next_words("(?:mini)?") is None  # may match nothing: any next word


def test_scan_skips_what_cannot_start_and_records_exact_words() -> None:
    index = VocabIndex({"net4g": [r"wi-?fi hotspot"], "phone": [r"phones?"], "metal": [r"free of metal"]})
    assert index.plan("within") == ()
    assert index.scan("within the wifi hotspot, free phones and free of metal") == {
        "net4g": [(11, 23)],
        "phone": [(30, 36)],
        "metal": [(41, 54)],
    }


def _reference_fold(text: str) -> str:
    translated = "".join(_FOLD.get(ord(c), c) for c in text)
    folded = translated.lower()
    if len(folded) != len(text):
        folded = "".join(c.lower() if len(c.lower()) == 1 else c for c in translated)
    return folded


FOLD_EXTRAS = "’“–€İıЁё`ＢＭ１０ｍ\u3000"  # beyond Latin-1: quotes, Turkish i, Cyrillic yo, full-width forms


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x2FF) | st.sampled_from(FOLD_EXTRAS), max_size=80))
def test_fold_equals_the_table(text: str) -> None:
    assert fold(text) == _reference_fold(text)


def test_full_width_forms_fold_to_ascii() -> None:
    assert fold("ＢＭ－１０ Ｍｉｎｉ　Ｐｈｏｎｅ，１８ｇ") == "bm-10 mini phone,18g"


# The spec regex as it was before its quantifiers became possessive and a digit inside a run
# stopped starting attempts; Unicode mode throughout.
_NUM = r"(\d\d{0,3}(?:[.,]\d{1,3})?)"
_REFERENCE_SPEC_RE = re.compile(
    SPEC_RE.pattern.replace(r"(\d(?:(?<!\d.)|(?=\d{3}))\d{0,3}+(?:[.,]\d{1,3}+)?)", _NUM).replace(
        r"(\d\d{0,3}+(?:[.,]\d{1,3}+)?)", _NUM
    )
)
SPEC_PARTS = [*"0123456789 .,x*-", "mm", "cm", "g", "mah", "oz", "inch", '"', "''", " x ", "12345", "  "]
SPEC_PARTS += ["in screen", "millimetres", "a", "٣", "\x1c"]  # the last two: not plain ASCII
SPEC_TEXT = st.lists(st.sampled_from(SPEC_PARTS), max_size=25).map("".join)


@settings(max_examples=1000, deadline=None)
@given(SPEC_TEXT)
@example("0.in screen")  # CPython 3.11.2's `re` read `0.` as a number when the decimal group was possessive
@example('9  91.mm\'\'8g  mmg  cm')
def test_specs_equal_the_backtracking_regex(text: str) -> None:
    assert "{0,3}+" not in _REFERENCE_SPEC_RE.pattern and "(?<!" not in _REFERENCE_SPEC_RE.pattern
    reference = [spec for m in _REFERENCE_SPEC_RE.finditer(text) if (spec := _spec_of(text, m)) is not None]
    assert extract_specs(text) == reference
