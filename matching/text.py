"""Length-preserving text folding and the regex builder the vocabulary is compiled with.

`fold` lower-cases and strips accents one character for one character, so a match found in the
folded text has the same span in the original text (reasons quote the original).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = ["VocabIndex", "first_word_triggers", "fold", "literal_prefix", "trie_regex", "word_regex"]


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
    return table


_FOLD = _build_fold_table()
# `str.translate` looks every character up in the table, costing more than all the rest of the
# folding; listings have few characters to fold, so a regex finds them and only they are looked up.
_FOLDABLE = re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(_FOLD)) + "]")


def _fold_char(m: re.Match[str]) -> str:
    return _FOLD[ord(m.group())]


def fold(text: str) -> str:
    """Lower-case, accent-free text of exactly the same length as `text`."""
    translated = _FOLDABLE.sub(_fold_char, text)
    folded = translated.lower()
    if len(folded) != len(text):  # a rare character whose lower() grows; fold it char by char
        folded = "".join(c.lower() if len(c.lower()) == 1 else c for c in translated)
    return folded


def word_regex(fragments: Iterable[str]) -> re.Pattern[str]:
    """One alternation of regex fragments, each matched as whole words (on folded text).

    Longer fragments come first so the longest alternative wins at a position.
    """
    alts = sorted(set(fragments), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)")


_DISPATCH_CACHE_SIZE = 100_000
_META = set("\\()[]{}?*+|.^$")
_LEADING_SPACE = re.compile(r"^(?:\\s[*+?]?|\[\\s-\][*+?]?|\s\??)+")


def _split_top(inner: str) -> list[str]:
    parts, depth, cur, i = [], 0, [], 0
    while i < len(inner):
        ch = inner[i]
        if ch == "\\":
            cur.append(inner[i : i + 2])
            i += 2
            continue
        depth += ch == "("
        depth -= ch == ")"
        if ch == "|" and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return parts


def _close_paren(fragment: str, open_at: int) -> int:
    depth, i = 0, open_at
    while i < len(fragment):
        ch = fragment[i]
        if ch == "\\":
            i += 2
            continue
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            return i
        i += 1
    raise ValueError(f"unbalanced fragment {fragment!r}")


def literal_prefix(fragment: str) -> str | None:
    """The literal start of a fragment up to a gap or metacharacter (`"cases?"` -> `"case"`).

    None when the start is not literal or is a part-word shorter than two characters.
    """
    out: list[str] = []
    for ch in fragment:
        if ch in _META:
            if ch in "?*{" and out:
                out.pop()  # the previous character is optional
            break
        if ch in " -'":
            return "".join(out) or None  # a whole word, any length: "a clapet" -> "a"
        out.append(ch)
    else:
        return "".join(out) or None
    return "".join(out) if len(out) >= 2 else None


def first_word_triggers(fragment: str) -> set[str] | None:
    """Prefixes of the words a match of `fragment` can start with (None: cannot tell)."""
    fragment = _LEADING_SPACE.sub("", fragment)
    if fragment.startswith("(?:"):
        close = _close_paren(fragment, 0)
        rest = fragment[close + 1 :]
        optional = rest[:1] in ("?", "*")
        rest = rest[1:] if optional else rest
        out: set[str] = set()
        for alt in _split_top(fragment[3:close]):
            got = first_word_triggers(alt + rest)
            if got is None:
                return None
            out |= got
        if optional:
            got = first_word_triggers(rest)
            if got is None:
                return None
            out |= got
        return out
    prefix = literal_prefix(fragment)
    return None if prefix is None else {prefix[:5]}


class VocabIndex:
    """All vocabulary classes, scanned in one pass over the words of a text.

    Python's `re` tries every alternative of an alternation at every word, so thirty class
    regexes over each listing were the matcher's bottleneck. Here each word's 2-5 letter
    prefixes are looked up in one dict that says which classes can start at that word, and only
    those classes' regexes are tried there (anchored `match`). What to try depends on a word's
    first five letters only, so it is worked out once per such head and remembered.
    """

    def __init__(self, classes: dict[str, list[str]]) -> None:
        self.names = tuple(classes)
        self.patterns = {name: word_regex(frags) for name, frags in classes.items()}
        self.always: list[str] = []
        by_prefix: dict[str, dict[str, list[str]]] = {}
        for name, frags in classes.items():
            for frag in frags:
                got = first_word_triggers(frag)
                if got is None:
                    self.always.append(name)
                    break
                for prefix in got:
                    by_prefix.setdefault(prefix, {}).setdefault(name, []).append(frag)
        # Per prefix, each class's regex holds only the fragments that can start with it.
        self.triggers = {
            prefix: tuple(
                (name, word_regex(frags))
                for name, frags in sorted(per_class.items())
                if name not in self.always
            )
            for prefix, per_class in by_prefix.items()
        }
        # Only words starting with some trigger are visited: a trie-shaped regex finds them in C
        # and hands over the word's first five letters, which is all the dispatch depends on.
        self._candidates = re.compile(r"(?<!\w)(?=" + trie_regex(self.triggers) + r")\w{1,5}")
        self._dispatch: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {}

    def _entries(self, head: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
        """The (class, regex) pairs to try at a word starting with `head`, longest trigger first."""
        entries = tuple(
            pair
            for key in dict.fromkeys(head[:n] for n in (5, 4, 3, 2))
            for pair in self.triggers.get(key, ())
        )
        if len(self._dispatch) >= _DISPATCH_CACHE_SIZE:
            self._dispatch.clear()  # bounded: crawls see endless new words
        self._dispatch[head] = entries
        return entries

    def scan(self, text: str) -> dict[str, list[tuple[int, int]]]:
        """Spans of every class's matches in (folded) text; classes without a match are left out."""
        found: dict[str, list[tuple[int, int]]] = {}
        ends: dict[str, int] = {}
        dispatch = self._dispatch.get
        for m in self._candidates.finditer(text):
            head = m.group()
            entries = dispatch(head)
            if entries is None:
                entries = self._entries(head)
            if not entries:
                continue
            pos = m.start()
            for name, pattern in entries:
                if pos < ends.get(name, -1):
                    continue
                hit = pattern.match(text, pos)
                if hit is not None:
                    end = hit.end()
                    spans = found.get(name)
                    if spans is None:
                        found[name] = [(pos, end)]
                    else:
                        spans.append((pos, end))
                    ends[name] = end
        for name in self.always:
            spans = [h.span() for h in self.patterns[name].finditer(text)]
            if spans:
                found[name] = spans
        return found


def trie_regex(words: Iterable[str]) -> str:
    """A regex matching any of `words` (as prefixes), shaped as a trie so `re` branches once per letter."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        if "" in node:
            return ""  # a shorter trigger already matches: longer ones add nothing
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items())]
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return build(trie)
