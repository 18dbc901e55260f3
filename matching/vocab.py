"""The vocabulary scan: every evidence class of `terms.py` found in one pass over a text's words.

Python's `re` tries every alternative of an alternation at every position, and starting a match
costs about as much as running a short one, so the scan works word by word:

- The text is split into its words (`\\w+` runs) by string methods, not a regex: an ASCII text is
  masked with `bytes.translate` and split in C, a fraction of the cost of any regex pass over it.
- Each class's fragments are filed under what their first word can be (`first_word_triggers`):
  a prefix of it (`case` for `cases?`) or the whole word (`free` for `free of metal`), keyed by its
  first five letters. A word's plan depends on the word alone, so it is worked out once per
  distinct word and remembered; most words have none.
- A plan reads the fragments further (`fragments.word_paths`): a class whose fragments can only
  match exactly this word (`phones?` at `phone`) is recorded without a regex; one whose fragments
  need a next word (`free of metal`) is only tried when the next word can be one; a fragment that
  cannot start at this word at all (`wi-?fi` at `within`) is dropped.
- The classes left are tried by one regex: each is a lookahead with a capturing group of its own,
  so a single `match` reports every class that starts at the word.

The result is exactly that of trying each class's fragments, filed as above, at every word (see
tests/test_text_engine.py). A fragment whose literal start holds punctuation other than a space,
hyphen or apostrophe (`850/900/...`) is never tried: no word starts with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import compress, count
from typing import NamedTuple

from matching.fragments import END, OPEN, Path, first_word_triggers, next_words, word_part, word_paths
from matching.speedups import Memo
from matching.text import alternation, word_regex

__all__ = ["VocabIndex"]

_PLAN_CACHE_SIZE = 100_000
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
# ASCII text: every byte that `\w` does not match becomes a space.
_MASK = bytes(b if b in _WORD_BYTES else 0x20 for b in range(256))
_NON_WORD = re.compile(r"[^\w ]")  # the same for other text (rare: most folds are ASCII)

Spans = dict[str, list[tuple[int, int]]]
Word = str | bytes
Match = Callable[[str, int], "re.Match[str] | None"]
# The next words that let a class's longer fragments match: (whole words, prefixes).
NextWords = tuple[frozenset[Word], tuple[Word, ...]]


class _Step(NamedTuple):
    """What to do at a word for one key: classes that match exactly it, and one regex call."""

    exact: tuple[str, ...]  # classes that match exactly the word, whatever follows
    match: Match | None  # tries the other classes at once
    groups: tuple[tuple[str, int], ...]  # per class tried, the group holding its match
    check: NextWords | None  # without one of these next words, skip the call ...
    fallback: tuple[str, ...]  # ... and these classes (`exact` included) match exactly the word


class _Plan(NamedTuple):
    needle: Word  # the word between spaces, to find it in the masked text
    gate: NextWords | None  # nothing can start at the word unless one of these words follows
    steps: tuple[_Step, ...]  # longest key first


class VocabIndex:
    """All vocabulary classes, scanned in one pass over the words of a (folded) text."""

    def __init__(self, classes: dict[str, list[str]]) -> None:
        self.names = tuple(classes)
        self._fragments = classes
        # A class with a fragment whose start cannot be told is matched by `finditer` everywhere.
        self.always: list[str] = []
        # key (a trigger's first five letters) -> class -> (fragments, their whole first words)
        by_key: dict[str, dict[str, tuple[list[str], set[str | None]]]] = {}
        for name, frags in classes.items():
            for frag in frags:
                got = first_word_triggers(frag)
                if got is None:
                    self.always.append(name)
                    break
                for start, whole in got:
                    group = by_key.setdefault(start[:5], {}).setdefault(name, ([], set()))
                    if frag not in group[0]:
                        group[0].append(frag)
                    group[1].add(start if whole else None)
        # Per key, each class's fragments that can start with it, with the whole words it needs
        # (None: any word with the key as prefix).
        self.triggers: dict[str, tuple[tuple[str, tuple[str, ...], frozenset[str] | None], ...]] = {
            key: tuple(
                (name, tuple(frags), None if None in words else frozenset(words))
                for name, (frags, words) in sorted(per_class.items())
                if name not in self.always
            )
            for key, per_class in by_key.items()
        }
        # Every key a word can have starts with one of these (a one-letter key is a whole word).
        self._heads = frozenset(key[:2] for key in self.triggers)
        self._paths: dict[str, list[Path] | None] = {}
        self._regexes: dict[tuple[str, tuple[str, ...]], tuple[Match, tuple[int, ...]]] = {}
        self._always: list[tuple[str, re.Pattern[str]]] | None = None
        # word -> plan, or `()` for a word no class starts at: filled on first sight, bounded
        # since crawls see endless new words.
        self._str_plans: Memo[Word, _Plan | tuple[()]] = Memo(self.plan, _PLAN_CACHE_SIZE)
        self._bytes_plans: Memo[Word, _Plan | tuple[()]] = Memo(self.plan, _PLAN_CACHE_SIZE)

    def plan(self, word: Word) -> _Plan | tuple[()]:
        """What to do at `word`; `()` when no class can start there."""
        text = word.decode() if isinstance(word, bytes) else word
        if text[:2] not in self._heads:
            return ()
        steps = []
        key = None
        for n in (5, 4, 3, 2):
            if text[:n] == key:
                continue  # a word shorter than n
            key = text[:n]
            if key in self.triggers:
                step = self._step(key, text, isinstance(word, bytes))
                if step is not None:
                    steps.append(step)
        if not steps:
            return ()
        space = b" " if isinstance(word, bytes) else " "
        needle = space + word + space  # type: ignore[operator]
        only = steps[0]
        if len(steps) == 1 and only.check is not None and not (only.exact or only.fallback):
            return _Plan(needle, only.check, (only._replace(check=None),))
        return _Plan(needle, None, tuple(steps))

    def _step(self, key: str, word: str, as_bytes: bool) -> _Step | None:
        exact: list[str] = []
        tried: list[str] = []
        fallback: list[str] = []
        whole: set[str] = set()
        prefixes: set[str] = set()
        checkable = True
        for name, frags, words in self.triggers[key]:
            if words is not None and word not in words:
                continue
            ends, seps, unknown = self._read(word, frags)
            if not (ends or seps or unknown):
                continue  # no fragment of the class can start at this word
            if not (seps or unknown):
                exact.append(name)
                continue
            tried.append(name)
            if ends:
                fallback.append(name)
            for nxt in seps:
                if nxt is None:
                    checkable = False
                else:
                    whole |= nxt[0]
                    prefixes.update(nxt[1])
            checkable = checkable and not unknown
        if not (exact or tried):
            return None
        if not tried:
            return _Step(tuple(exact), None, (), None, ())
        match, indexes = self._regex(key, tuple(tried))
        check: NextWords | None = None
        if checkable:
            enc: Callable[[str], Word] = str.encode if as_bytes else str  # type: ignore[assignment]
            check = (frozenset(map(enc, whole)), tuple(map(enc, sorted(prefixes))))
        groups = tuple(zip(tried, indexes, strict=True))
        return _Step(tuple(exact), match, groups, check, (*exact, *fallback))

    def _read(
        self, word: str, frags: tuple[str, ...]
    ) -> tuple[bool, list[tuple[frozenset[str], tuple[str, ...]] | None], bool]:
        """How `frags` can match at `word`: exactly it (any), going on to a next word (the next
        words each such way allows; None: any), or some way not read (any)."""
        ends = unknown = False
        seps: list[tuple[frozenset[str], tuple[str, ...]] | None] = []
        for frag in frags:
            if frag not in self._paths:
                self._paths[frag] = word_paths(frag)
            paths = self._paths[frag]
            if paths is None:
                return ends, seps, True
            for path in paths:
                text, cut = word_part(path.text)
                if cut:
                    unknown = unknown or word == text  # punctuation in the first word: not read
                elif path.follow == OPEN:
                    unknown = unknown or word.startswith(text)
                elif word == text:
                    if path.follow == END:
                        ends = True
                    else:
                        seps.append(next_words(path.after))
        return ends, seps, unknown

    def _regex(self, key: str, names: tuple[str, ...]) -> tuple[Match, tuple[int, ...]]:
        """One regex trying the classes `names` (as filed under `key`) at a word start.

        Each class is `(?:(?=(?P<gN>...)(?!\\w))|)`: its first match there, or nothing; the
        closing conditionals make the whole regex fail when no class matched (the common case).
        """
        got = self._regexes.get((key, names))
        if got is None:
            frags = {name: f for name, f, _ in self.triggers[key]}
            pattern = "".join(
                f"(?:(?=(?P<g{i}>{alternation(frags[name])})(?!\\w))|)" for i, name in enumerate(names)
            )
            none_matched = "(?!)"
            for i in reversed(range(len(names))):
                none_matched = f"(?(g{i})|{none_matched})"
            compiled = re.compile(pattern + none_matched)
            indexes = tuple(compiled.groupindex[f"g{i}"] for i in range(len(names)))
            got = self._regexes[key, names] = (compiled.match, indexes)
        return got

    def scan(self, text: str) -> Spans:
        """Spans of every class's matches in folded text; classes without a match are left out."""
        # A class's next match must start at or after its last one's end (`spans[-1][1]`).
        found: Spans = {}
        get = found.get
        if text.isascii():
            masked: Word = text.encode().translate(_MASK)
            padded: Word = b" " + masked + b" "  # type: ignore[operator]
            plans = self._bytes_plans
        else:
            masked = _NON_WORD.sub(" ", text)
            padded = f" {masked} "
            plans = self._str_plans
        words = masked.split()
        word_plans = list(map(plans.__getitem__, words))
        words.append(padded[:0])  # the empty word after the last: no check accepts it
        pos = 0
        skipped: dict[Word, int] | None = None  # gated words passed over since the last `find`
        for i in compress(count(), word_plans):
            needle, gate, steps = word_plans[i]
            if gate is not None:
                nxt = words[i + 1]
                if not (nxt in gate[0] or nxt.startswith(gate[1])):  # type: ignore[arg-type]
                    if skipped is None:
                        skipped = {}
                    skipped[needle] = skipped.get(needle, 0) + 1
                    continue
            start = padded.find(needle, pos)  # type: ignore[arg-type]
            if skipped is not None:
                for _ in range(skipped.get(needle, 0)):  # earlier copies of this word
                    start = padded.find(needle, start + 1)  # type: ignore[arg-type]
                skipped = None
            pos = start + len(needle) - 1
            word_end = pos - 1
            for exact, match, groups, check, fallback in steps:
                if check is not None:
                    nxt = words[i + 1]
                    if not (nxt in check[0] or nxt.startswith(check[1])):  # type: ignore[arg-type]
                        exact, match = fallback, None  # no longer fragment can match here
                for name in exact:
                    spans = get(name)
                    if spans is None:
                        found[name] = [(start, word_end)]
                    elif start >= spans[-1][1]:
                        spans.append((start, word_end))
                if match is None:
                    continue
                hit = match(text, start)
                if hit is None:
                    continue
                regs = hit.regs
                for name, index in groups:
                    end = regs[index][1]
                    if end >= 0:  # the class matched here
                        spans = get(name)
                        if spans is None:
                            found[name] = [(start, end)]
                        elif start >= spans[-1][1]:
                            spans.append((start, end))
        if self.always:
            for name, pattern in self._always_patterns():
                spans = [h.span() for h in pattern.finditer(text)]
                if spans:
                    found[name] = spans
        return found

    def _always_patterns(self) -> list[tuple[str, re.Pattern[str]]]:
        if self._always is None:
            self._always = [(name, word_regex(self._fragments[name])) for name in self.always]
        return self._always
