"""Model-name recognition: finds catalog devices named in folded listing text.

A cheap regex finds model-code candidates (`bm10`, `B M 1 0`, `BM-10s`, `BM1O`, `ВМ10`, `j-8`, `t1`,
`fly`); only around those does the matcher look at the preceding words. The words before the code plus the
code are compacted (`L8 star BM-10` -> `l8starbm10`) and looked up among the compacted catalog
aliases; failing an exact hit, rapidfuzz compares them with the aliases that end in the same code
(so digits never fuzz: `tiny t2` is never `tiny t1`). Bare codes only count when the catalog lists
the bare code as an alias (`BM10` yes; `J8`, `T1` and `Fly` need their brand words).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from matching.catalog import Catalog, Device
from matching.text import fold

__all__ = ["BRAND_RE", "NameHit", "NameIndex", "find_brand"]

# Each alternative starts with its letter and checks the character before it afterwards
# (`(?<![a-z0-9]).`): that is `(?<![a-z0-9])` in front, but lets `re` skip straight to b, j, t, f.
_AFTER_START = r"(?<![a-z0-9а-яё].)"
CODE_RE = re.compile(
    rf"(?:b{_AFTER_START}[\s._-]?[mм][\s._-]?[13579][\s._-]?[0oо]|j{_AFTER_START}[\s._-]?8"
    rf"|t{_AFTER_START}[\s._-]?[12]|f{_AFTER_START}ly)(?:s|\+)?(?![a-z0-9])"
)
# The same codes written with Cyrillic letters that look like the Latin ones (`ВМ10`) or spell
# them (`БМ10`); a regex of its own, tried on non-ASCII text only: a character class in front of
# CODE_RE's alternatives would cost it the literal first letters `re` skips ahead to.
CYRILLIC_CODE_RE = re.compile(
    rf"(?:[вб]{_AFTER_START}[\s._-]?[mм][\s._-]?[13579][\s._-]?[0oо]|т{_AFTER_START}[\s._-]?[12])"
    r"(?:s|\+)?(?![a-z0-9])"
)
BRAND_RE = re.compile(r"(?<![a-z0-9])(?:l8[\s-]?star|zanc?k?o|gt[\s-]?star|long[\s-]?cz)(?![a-z0-9])")
# Every BRAND_RE match contains "l8", "zan", "gt" or "long"; checking them first (`find_brand`)
# spares most listings the regex.
_TOKEN_RE = re.compile(r"[a-z0-9]+")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# A letter o written for the zero after a model number's digit (`BM1O`).
_LOOKALIKE_ZERO = re.compile(r"(?<=[0-9])o")
_CYRILLIC_LOOKALIKES = str.maketrans("вбмто", "bbmto")
# Cyrillic letters as Latin ones, one for one (so spans keep their places), for the brand words
# sellers transliterate (`Занко Т1`, `Л8стар`); the soft and hard signs become a non-letter.
_TRANSLITERATE = str.maketrans(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґјљњћђџѓќѕ",
    "abvgdeezziyklmnoprstufhccss'y'euaiiegjlncddgkz",
)


def compact(text: str) -> str:
    """Folded text with everything but a-z0-9 removed: `L8 star BM-10` -> `l8starbm10`."""
    return _NON_ALNUM.sub("", fold(text))


def _latin(folded: str) -> str:
    """Folded text with its Cyrillic letters transliterated, one for one: `занко` -> `zanko`."""
    return folded if folded.isascii() else folded.translate(_TRANSLITERATE)


def _joined_letters(tokens: list[str]) -> list[str]:
    """Runs of one-letter tokens joined into a word: `L O N G C Z` -> `longcz` (spaced-out names)."""
    if not any(len(token) == 1 for token in tokens):
        return tokens
    joined: list[str] = []
    spelled = False  # whether joined[-1] is a run of one-letter tokens
    for token in tokens:
        if len(token) == 1 and spelled:
            joined[-1] += token
        else:
            joined.append(token)
            spelled = len(token) == 1
    return joined


def find_brand(folded: str) -> tuple[int, int] | None:
    """Span of the first mini-phone brand (without a model) in folded text, in Latin or
    Cyrillic letters."""
    m = None
    if "l8" in folded or "zan" in folded or "gt" in folded or "long" in folded:
        m = BRAND_RE.search(folded)
    if m is None and ("зан" in folded or "л8" in folded or "гт" in folded or "лонг" in folded):
        m = BRAND_RE.search(_latin(folded))
    return None if m is None else m.span()


@dataclass(frozen=True, slots=True)
class NameHit:
    """A device named in the text: how (brand/code/fuzzy), where, and the similarity."""

    device: Device
    kind: str  # "brand" | "code" | "fuzzy"
    span: tuple[int, int]
    similarity: float
    alias: str


_BUILTIN_CODE_AT_END = re.compile(r"(bm[13579]0s?|j8|t[12]|fly)$")


def alias_code(alias: str) -> str | None:
    """The model code an alias ends with when it is not one of the built-in shapes: its last
    word holding a digit (`Nanofone X9` -> `x9`), joined to the word before when it is only
    digits (`Foo Q-7` -> `q7`). None for aliases without one (`key fob phone`)."""
    words = _TOKEN_RE.findall(fold(alias))
    if not words or not any(ch.isdigit() for ch in words[-1]):
        return None
    code = words[-2] + words[-1] if words[-1].isdigit() and len(words) > 1 else words[-1]
    return None if _BUILTIN_CODE_AT_END.search(code) else code


def code_regex(codes: set[str]) -> re.Pattern[str] | None:
    """Whole-word matcher for `codes`, tolerating a separator between characters (`X-9`)."""
    if not codes:
        return None
    sep = r"[\s._-]?"
    alternatives = "|".join(sep.join(map(re.escape, code)) for code in sorted(codes, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?:s|\+)?(?![a-z0-9])")


class NameIndex:
    """Compacted aliases of a catalog, grouped by model code, for fast lookups.

    The built-in model-code shapes are found by `CODE_RE`; codes of devices a unit imported
    (`alias_code`) get a regex of their own, so new devices are named without code changes.
    """

    def __init__(self, catalog: Catalog, fuzzy_cutoff: float) -> None:
        self.exact: dict[str, tuple[Device, str]] = {}
        self.by_code: dict[str, list[str]] = {}
        self.cutoff = fuzzy_cutoff
        extra_codes: set[str] = set()
        for device in catalog.devices:
            for alias in device.aliases:
                key = compact(alias)
                self.exact.setdefault(key, (device, alias))
                m = _BUILTIN_CODE_AT_END.search(key)
                code = m.group(1).rstrip("s") if m else alias_code(alias)
                if code:
                    if not m:
                        extra_codes.add(code)
                    self.by_code.setdefault(code, []).append(key)
                    if key.endswith("s") and key[:-1] not in self.exact:
                        self.exact[key[:-1]] = (device, alias)
        self.extra_re = code_regex(extra_codes)

    def _code_matches(self, folded: str) -> list[re.Match[str]]:
        matches = list(CODE_RE.finditer(folded))
        if not folded.isascii():
            cyrillic = list(CYRILLIC_CODE_RE.finditer(folded))
            if cyrillic:
                matches = sorted([*matches, *cyrillic], key=lambda m: m.start())
        if self.extra_re is not None:
            matches = sorted([*matches, *self.extra_re.finditer(folded)], key=lambda m: m.start())
        return matches

    def find(self, folded: str) -> list[NameHit]:
        """Every device named in `folded` (already folded text), in text order."""
        hits: list[NameHit] = []
        for m in self._code_matches(folded):
            code = m.group().translate(_CYRILLIC_LOOKALIKES)
            code = _LOOKALIKE_ZERO.sub("0", _NON_ALNUM.sub("", code).rstrip("s+"))
            # the brand words before the code, Cyrillic ones in Latin letters
            window = _latin(folded[max(0, m.start() - 24) : m.start()])
            before = _joined_letters(_TOKEN_RE.findall(window))[-3:]
            hit = self._resolve(code, before, m.start(), m.end(), folded)
            if hit is not None:
                hits.append(hit)
        return hits

    def _resolve(self, code: str, before: list[str], start: int, end: int, folded: str) -> NameHit | None:
        candidates = ["".join(before[i:]) + code for i in range(len(before))]
        for cand in candidates:  # longest first: brand + model beats bare code
            found = self.exact.get(cand)
            if found is not None:
                span_start = self._span_start(folded, start, cand, code)
                return NameHit(found[0], "brand", (span_start, end), 100.0, found[1])
        found = self.exact.get(code)
        if found is not None:
            return NameHit(found[0], "code", (start, end), 100.0, found[1])
        choices = self.by_code.get(code)
        if not choices or not candidates:
            return None
        for cand in candidates:
            best = process.extractOne(
                cand, choices, scorer=fuzz.ratio, processor=default_process, score_cutoff=self.cutoff
            )
            if best is not None:
                device, alias = self.exact[best[0]]
                return NameHit(
                    device, "fuzzy", (self._span_start(folded, start, cand, code), end), float(best[1]), alias
                )
        return None

    @staticmethod
    def _span_start(folded: str, code_start: int, cand: str, code: str) -> int:
        # Walk back over the brand letters that the compacted candidate took from before the code.
        need = len(cand) - len(code)
        pos = code_start
        while need > 0 and pos > 0:
            pos -= 1
            char = _latin(folded[pos])
            if char.isalnum() and char.isascii():
                need -= 1
        return pos
