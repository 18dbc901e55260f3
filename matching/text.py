"""Length-preserving text folding, and how the vocabulary's regex fragments are read.

`fold` lower-cases and strips accents one character for one character, so a match found in the
folded text has the same span in the original text (reasons quote the original).
`alternation` and `word_regex` build the regexes the vocabulary's fragments are matched with
(see `matching.fragments` for what a fragment can start with).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = ["alternation", "fold", "plain_ascii", "word_regex"]


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0xC0, 0x250):
        base = unicodedata.normalize("NFKD", chr(cp))[0].lower()
        if len(base) == 1 and base.isascii() and base.isalpha():
            table[cp] = base
    extra = {
        "ł": "l",
        "Ł": "l",
        "ı": "i",
        "İ": "i",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "×": "x",
        "ё": "е",
        "Ё": "е",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
        "“": '"',
        "”": '"',
        "″": '"',
        "„": '"',
        "–": "-",
        "—": "-",
        "‑": "-",
        "·": "|",
        "•": "|",
        "ș": "s",
        "ț": "t",
        "Ș": "s",
        "Ț": "t",
    }
    table.update({ord(k): v for k, v in extra.items()})
    # Greek: tonos and dialytika stripped (ό -> ο), final sigma as sigma, capitals lower-cased.
    for cp in range(0x386, 0x3D0):
        char = chr(cp)
        base = unicodedata.normalize("NFD", char)[0].lower()
        if len(base) == 1 and "\u03b1" <= base <= "\u03c9" and base != char:
            table[cp] = base
    table[ord("ς")] = "σ"
    # Full-width forms (`ＢＭ１０`, typed to slip past keyword filters) as their ASCII letters.
    for cp in range(0xFF01, 0xFF5F):
        table[cp] = chr(cp - 0xFEE0).lower()
    table[0x3000] = " "
    return table


_FOLD = _build_fold_table()
# Most listings are Latin-1 (accents, `×`, no-break spaces): folded in C by one byte table. Latin-1
# has no character whose lower case is longer.
_LATIN1_FOLD = bytes(ord(_FOLD[b]) if b in _FOLD else b for b in range(256))
# Other text: `str.translate` would look every character up in the table, so a regex finds the few
# characters to fold and only they are looked up.
_FOLDABLE = re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(_FOLD)) + "]")


def _fold_char(m: re.Match[str]) -> str:
    return _FOLD[ord(m.group())]


def fold(text: str) -> str:
    """Lower-case, accent-free text of exactly the same length as `text`."""
    if text.isascii() and "`" not in text:  # the only ASCII character the table folds
        return text.lower()
    try:
        return text.encode("latin-1").translate(_LATIN1_FOLD).decode("latin-1").lower()
    except UnicodeEncodeError:
        pass
    translated = _FOLDABLE.sub(_fold_char, text)
    folded = translated.lower()
    if len(folded) != len(text):  # a rare character whose lower() grows; fold it char by char
        folded = "".join(c.lower() if len(c.lower()) == 1 else c for c in translated)
    return folded


def alternation(fragments: Iterable[str]) -> str:
    """Regex fragments as one alternation, longer fragments first (they win at a position)."""
    return "|".join(sorted(set(fragments), key=len, reverse=True))


def word_regex(fragments: Iterable[str]) -> re.Pattern[str]:
    """One alternation of regex fragments, each matched as whole words (on folded text)."""
    return re.compile(r"(?<!\w)(?:" + alternation(fragments) + r")(?!\w)")


def plain_ascii(text: str) -> bool:
    """ASCII text on which a regex compiled with `re.ASCII` finds exactly what it finds without.

    On ASCII, `\\w`, `\\d` and `\\b` agree between the two modes and `\\s` differs only on the
    separators \\x1c-\\x1f.
    """
    return (
        text.isascii()
        and "\x1c" not in text
        and "\x1d" not in text
        and "\x1e" not in text
        and "\x1f" not in text
    )
