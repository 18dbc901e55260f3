"""What a vocabulary fragment's matches can start with: the reading `matching.vocab` files them by.

Fragments are regexes over folded text, matched at the start of a word (`\\w+` run).
`first_word_triggers` gives the prefixes or whole words a match can start with; the scan files
fragments under them. `word_paths` reads further, for one word at a time: through optional
letters and groups it lists every way a match can begin, so the scan can tell that a fragment
matches exactly the word (`phones?` at `phone`), cannot start there (`wi-?fi` at `within`), or can
only go on with certain next words (`free of metal` needs `of`). Whatever it cannot read
(lookarounds, `\\w`, repeats) it reports as open, never as impossible.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = [
    "END",
    "OPEN",
    "SEP",
    "Path",
    "first_word_triggers",
    "literal_start",
    "next_words",
    "word_part",
    "word_paths",
]

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


# How a path's first word `text` is followed:
END = "end"  # by the end of the fragment: the match is exactly `text`
SEP = "sep"  # by a separator (space, hyphen, apostrophe, `\s`), then the fragment `after`
OPEN = "open"  # by something not read: `text` is only a prefix of the match
_PATH_LIMIT = 256  # past this many ways to begin, a fragment is not read ("cannot tell")
_SEPARATOR_CLASS = re.compile(r"\[((?:\\s|[ '.-])+)\]")


class Path(NamedTuple):
    """One way a fragment's match can begin: its first word's literal text and what follows."""

    text: str
    follow: str  # END, SEP or OPEN
    after: str = ""  # for SEP: the rest of the fragment, after the separator


def word_paths(fragment: str) -> list[Path] | None:
    """Every way a match of `fragment` can begin; None when that cannot be told."""
    return _paths("", fragment)


def _open(text: str) -> list[Path] | None:
    return [Path(text, OPEN)] if text else None


def _paths(text: str, rest: str) -> list[Path] | None:
    """The paths of a fragment whose first word so far is `text` (literal) and which goes on with `rest`."""
    i = 0
    while i < len(rest):
        ch = rest[i]
        if rest.startswith("(?:", i):
            return _group(text, rest, i)
        if (ch == "\\" and rest[i + 1 : i + 2] != "s") or ch in "().^$|":
            return _open(text)  # an escape, lookaround, any-character or anchor: not read
        sep = _separator(rest, i)
        if sep is not None:
            return _after_separator(text, rest, sep)
        if ch == "[":
            return _open(text)  # a class that may match letters
        if ch in "?*+{":
            return None  # a quantifier on nothing read here (cannot happen in a well-formed fragment)
        quantifier = rest[i + 1 : i + 2]
        if quantifier == "?":
            tail = _skip_lazy(rest, i + 2)
            if tail is None:
                return None
            return _join(_paths(text + ch, tail), _paths(text, tail))
        if quantifier in ("*", "{"):
            return _open(text)
        if quantifier == "+":
            return _open(text + ch)
        text += ch
        i += 1
    return [Path(text, END)] if text else None


def _skip_lazy(rest: str, at: int) -> str | None:
    """`rest` after a quantifier ending at `at`, without its lazy mark; None if possessive."""
    if rest[at : at + 1] == "+":
        return None
    return rest[at + 1 :] if rest[at : at + 1] == "?" else rest[at:]


def _group(text: str, rest: str, at: int) -> list[Path] | None:
    close = _close_paren(rest, at)
    quantifier = rest[close + 1 : close + 2]
    if quantifier in ("*", "+", "{"):
        return _open(text)
    optional = quantifier == "?"
    tail = _skip_lazy(rest, close + 2) if optional else rest[close + 1 :]
    if tail is None:
        return None
    out: list[Path] | None = []
    for alt in _split_top(rest[at + 3 : close]):
        out = _join(out, _paths(text, alt + tail))
    return _join(out, _paths(text, tail)) if optional else out


def _separator(rest: str, at: int) -> tuple[str, int] | None:
    """A separator atom at `at`: its quantifier ("" if none) and where the fragment goes on."""
    if rest[at] in " -'":
        end = at + 1
    elif rest.startswith("\\s", at):
        end = at + 2
    elif (m := _SEPARATOR_CLASS.match(rest, at)) is not None:
        end = m.end()
    else:
        return None
    quantifier = rest[end : end + 1]
    if quantifier in ("?", "*", "+", "{"):
        return quantifier, end + 1
    return "", end


def _after_separator(text: str, rest: str, sep: tuple[str, int]) -> list[Path] | None:
    quantifier, end = sep
    if not text or quantifier == "{":
        return _open(text)  # a fragment starting with spaces, or a counted separator
    tail = _skip_lazy(rest, end)
    if tail is None:
        return None
    present = [Path(text, SEP, tail)]
    if quantifier in ("?", "*"):  # or absent: the word goes on
        return _join(present, _paths(text, tail))
    return present


def _join(a: list[Path] | None, b: list[Path] | None) -> list[Path] | None:
    if a is None or b is None or len(a) + len(b) > _PATH_LIMIT:
        return None
    return a + b


def next_words(after: str) -> tuple[frozenset[str], tuple[str, ...]] | None:
    """The word after a separator, for the rest `after` of a fragment: (whole words, prefixes).

    None when it cannot be told. A path's text cut at punctuation is the whole word (`850` for
    `850/900`), since punctuation ends a word.
    """
    paths = _paths("", after)
    if paths is None:
        return None
    whole: set[str] = set()
    prefixes: set[str] = set()
    for path in paths:
        word, cut = word_part(path.text)
        if not word:
            return None
        (whole if cut or path.follow != OPEN else prefixes).add(word)
    return frozenset(whole), tuple(sorted(prefixes))


def word_part(text: str) -> tuple[str, bool]:
    """`text` up to its first non-word character, and whether it was cut there."""
    for i, ch in enumerate(text):
        if not (ch.isalnum() or ch == "_"):
            return text[:i], True
    return text, False
