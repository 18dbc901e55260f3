"""Length-preserving text folding and the regex builder the vocabulary is compiled with.

`fold` lower-cases and strips accents one character for one character, so a match found in the
folded text has the same span in the original text (reasons quote the original).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = ["VocabIndex", "first_word_triggers", "fold", "literal_start", "trie_regex", "word_regex"]


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
_WORD = re.compile(r"\w+")
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


def literal_start(fragment: str) -> tuple[str, bool] | None:
    """The literal start of a fragment and whether it is a whole first word.

    `"cases?"` -> `("case", False)`, a prefix of the first word; `"a clapet"` -> `("a", True)`: a
    literal space, hyphen or apostrophe ends the first word, so a match can only start at that
    very word. None when the start is not literal or is a part-word shorter than two characters.
    Other punctuation stays in the result (`"850/9"`), which no word ever starts with: such a
    fragment is never tried, as in every matcher version so far (outputs must not change).
    """
    out: list[str] = []
    for i, ch in enumerate(fragment):
        if ch in _META:
            if ch in "?*{" and out:
                out.pop()  # the previous character is optional
            break
        if ch in " -'":
            if fragment[i + 1 : i + 2] in ("?", "*", "{"):
                break  # an optional separator (`ear ?buds?`): the word may go on
            return ("".join(out), True) if out else None
        out.append(ch)
    else:
        return ("".join(out), True) if out else None
    return ("".join(out), False) if len(out) >= 2 else None


def first_word_triggers(fragment: str) -> set[tuple[str, bool]] | None:
    """What a match of `fragment` can start with: (prefix, False) or (whole word, True) pairs.

    None: cannot tell.
    """
    fragment = _LEADING_SPACE.sub("", fragment)
    if fragment.startswith("(?:"):
        close = _close_paren(fragment, 0)
        rest = fragment[close + 1 :]
        optional = rest[:1] in ("?", "*")
        rest = rest[1:] if optional else rest
        out: set[tuple[str, bool]] = set()
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
    start = literal_start(fragment)
    return None if start is None else {start}


# The regexes to try at a word: (class, regex) pairs.
_Entries = tuple[tuple[str, re.Pattern[str]], ...]


class VocabIndex:
    """All vocabulary classes, scanned in one pass over the words of a text.

    Python's `re` tries every alternative of an alternation at every word, so thirty class
    regexes over each listing were the matcher's bottleneck. Here a word's 2-5 letter prefixes
    are looked up in one dict that says which classes can start at that word, and only those
    classes' regexes are tried there (anchored `match`). A fragment that starts with a literal
    whole word (`free of metal`, `2g`) is only tried at that word, so the common words of
    multi-word phrases do not send every `freedom` or `envio` to the regexes. What to try
    depends on the word only, so it is worked out once per word and remembered.
    """

    def __init__(self, classes: dict[str, list[str]]) -> None:
        self.names = tuple(classes)
        self.patterns = {name: word_regex(frags) for name, frags in classes.items()}
        self.always: list[str] = []
        # prefix (a trigger's first five letters) -> class -> (fragments, their whole first words)
        by_prefix: dict[str, dict[str, tuple[list[str], set[str | None]]]] = {}
        for name, frags in classes.items():
            for frag in frags:
                got = first_word_triggers(frag)
                if got is None:
                    self.always.append(name)
                    break
                for start, whole in got:
                    group = by_prefix.setdefault(start[:5], {}).setdefault(name, ([], set()))
                    if frag not in group[0]:
                        group[0].append(frag)
                    group[1].add(start if whole else None)
        # Per prefix, each class's regex holds only the fragments that can start with it, with the
        # whole words it needs (None: any word with the prefix).
        self.triggers = {
            prefix: tuple(
                (name, word_regex(frags), None if None in words else frozenset(words))
                for name, (frags, words) in sorted(per_class.items())
                if name not in self.always
            )
            for prefix, per_class in by_prefix.items()
        }
        # Dispatch goes by the word (`\w+`) at a position, so a trigger with punctuation in it is
        # never reached (see `literal_start`) and is left out.
        groups = [
            (prefix, words)
            for prefix, entries in self.triggers.items()
            if _WORD.fullmatch(prefix)
            for _, _, words in entries
        ]
        prefixes = [prefix for prefix, words in groups if words is None]
        whole_words = {word for _, words in groups if words is not None for word in words if word}
        # Only words that some class can start at are visited: a trie-shaped regex finds them in C.
        self._candidates = re.compile(r"(?<!\w)((?=" + trie_regex(prefixes, whole_words) + r")\w+)")
        self._dispatch: dict[str, _Entries] = {}

    def _entries(self, word: str) -> _Entries:
        """The (class, regex) pairs to try at `word`, longest trigger first."""
        entries = tuple(
            (name, pattern)
            for key in dict.fromkeys(word[:n] for n in (5, 4, 3, 2))
            for name, pattern, words in self.triggers.get(key, ())
            if words is None or word in words
        )
        if len(self._dispatch) >= _DISPATCH_CACHE_SIZE:
            self._dispatch.clear()  # bounded: crawls see endless new words
        self._dispatch[word] = entries
        return entries

    def scan(self, text: str) -> dict[str, list[tuple[int, int]]]:
        """Spans of every class's matches in (folded) text; classes without a match are left out."""
        found: dict[str, list[tuple[int, int]]] = {}
        ends: dict[str, int] = {}
        dispatch = self._dispatch.get
        # `split` hands over the candidate words and the text between them as plain strings: match
        # objects from `finditer` cost more than the rest of the scan.
        parts = self._candidates.split(text)
        pos = 0
        for gap, word in zip(parts[::2], parts[1::2], strict=False):  # one more gap than words
            pos += len(gap)
            entries = dispatch(word)
            if entries is None:
                entries = self._entries(word)
            start, pos = pos, pos + len(word)
            if not entries:
                continue
            for name, pattern in entries:
                if start < ends.get(name, -1):
                    continue
                hit = pattern.match(text, start)
                if hit is not None:
                    end = hit.end()
                    spans = found.get(name)
                    if spans is None:
                        found[name] = [(start, end)]
                    else:
                        spans.append((start, end))
                    ends[name] = end
        for name in self.always:
            spans = [h.span() for h in self.patterns[name].finditer(text)]
            if spans:
                found[name] = spans
        return found


def trie_regex(prefixes: Iterable[str], whole_words: Iterable[str] = ()) -> str:
    """A regex matching words that start with one of `prefixes` or are one of `whole_words`.

    Shaped as a trie so `re` branches once per letter; a whole word must be followed by a
    non-word character.
    """
    trie: dict[str, dict] = {}
    for words, end in ((prefixes, "prefix"), (whole_words, "word")):
        for word in words:
            node = trie
            for ch in word:
                node = node.setdefault(ch, {})
            node[end] = {}

    def build(node: dict[str, dict]) -> str:
        if "prefix" in node:
            return ""  # a shorter prefix already matches: longer words add nothing
        alts = [r"(?!\w)"] if "word" in node else []
        alts += [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if len(ch) == 1]
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return build(trie)
