"""The listing scorer: combines names, specs, form factor, risk claims and hard negatives.

A listing's title, description and attributes are joined and folded once; one pass over its
words finds every vocabulary class (`vocab.VocabIndex`), and the costlier steps (model names,
brands, specs) first check cheaply that they can find anything at all. Every piece of evidence
becomes a `Reason` with signed points (from `weights.py`) and the span it was read from; the
score is their sum clamped to 0-100. Positive evidence only counts when something says the item
is a phone at all.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache, partial
from itertools import chain, islice
from pathlib import Path
from typing import Any, TypeVar

from matching.catalog import Catalog, Device, load_catalog
from matching.jsonlines import LineOutcome, score_line
from matching.names import NameHit, NameIndex, find_brand
from matching.parallel import BLOCK, HelperPool, batched, decode_block
from matching.result import UNIDENTIFIED, MatchResult, Reason, make_result, reason
from matching.specs import Spec, extract_specs
from matching.speedups import Memo
from matching.terms import (
    BUNDLE_CUE,
    NEGATION_AFTER,
    NEGATION_BEFORE,
    PAIRING_CHAIN,
    PAIRING_CUE,
    PAIRING_POSTCUE,
    PRISON_PURPOSE,
    RISK_CLASSES,
    STANDALONE_CUE,
    VOCAB,
    WITHOUT_START,
)
from matching.text import fold
from matching.weights import DEFAULT_WEIGHTS, MatchWeights

__all__ = ["MATCHER_VERSION", "PARALLEL_MIN", "ListingFields", "Matcher", "attributes_text", "get_matcher"]

# Changes whenever the rules change what a listing scores, so that hits record which rules gave
# them and `thumbwatch rescore` supersedes older verdicts instead of overwriting them.
MATCHER_VERSION = "2026.4"
# Distinct listings from which score_many uses the other cores: below it, starting and feeding the
# helper processes costs more than it saves (crawls score one listing at a time anyway).
PARALLEL_MIN = 5_000
T = TypeVar("T")
R = TypeVar("R")
_Span = tuple[int, int]
# What `score_stream` scores of a listing: title, description and attributes (None or empty for none).
ListingFields = tuple[str, str, "Mapping[str, str] | None"]

# Negative classes scored once each: (pattern, weight name, reason text, title only?)
_SIMPLE_NEGATIVES = (
    ("legit_phone", "legit_phone", "ordinary phone (senior, flip, Nokia feature phone)", False),
    ("toy", "toy", "toy, replica or jewellery", False),
    ("not_a_phone", "not_a_phone", "says it is not a phone", False),
    ("gps", "gps_tracker", "GPS tracker", False),
    ("no_sim", "no_sim", "says it takes no SIM card", False),
    ("no_screen", "no_screen", "no screen or keypad", False),
    ("spy_camera", "spy_camera", "spy camera", False),
    ("mini_cooper", "mini_cooper", "Mini Cooper item", False),
    ("other_product", "other_product", "another product type (speaker, power bank, watch ...)", True),
    ("card_phone", "card_phone", "credit-card phone", False),
    ("accessory_only", "accessory_only", "accessory only / phone not included", False),
    ("report", "report_or_service", "news, a report or a repair service, not a phone for sale", True),
)
_FORM_CLASSES = (
    ("net2g", "network_2g", "2G / GSM"),
    ("net4g", "network_4g", "4G / LTE / 5G"),
    ("bt_dialer", "bluetooth_dialer", "Bluetooth dialer"),
    ("voice_changer", "voice_changer", "voice changer"),
)
_RISK_TEXT = {
    "undetectable": "claims to be undetectable",
    "no_metal": "claims no / low metal",
    "plastic": "plastic body",
    "passes_security": "claims to pass scanners / metal detectors",
    "smallest": "'smallest phone' claim",
    "size_of": "size of a lighter / thumb",
    "prison_slang": "prison slang",
    "for_prison": "offered for use in prison",
    "discreet": "discreet shipping",
}

_RISK_KEYS = tuple(("risk_" + name, _RISK_TEXT[name]) for name in RISK_CLASSES)
# Most listings hold none of a group's classes: one set test spares a lookup per class.
_FORM_KEYS = frozenset(key for key, _, _ in _FORM_CLASSES)
_RISK_KEY_SET = frozenset(key for key, _ in _RISK_KEYS)
_SIMPLE_NEGATIVE_KEYS = frozenset(key for key, _, _, _ in _SIMPLE_NEGATIVES)
# Every class `_negatives` looks at: without one of them it has nothing to say.
_NEGATIVE_KEYS = _SIMPLE_NEGATIVE_KEYS | {
    "accessory",
    "smartphone",
    "earpiece",
    "lighter",
    "detector",
    "wanted",
}
_NO_SPANS: list[_Span] = []
# Negative classes a listing can deny ("not a toy", "no GPS"); the others are denials themselves.
_DENIABLE = frozenset(
    {"toy", "gps", "spy_camera", "other_product", "legit_phone", "mini_cooper", "card_phone", "report"}
)


# Reason texts by (function, arguments): `_TEXTS[f, args]` is `f(*args)`, built once. Most reasons
# recur with the same values; formatting floats costs more than a lookup, and a recurring text is
# the same string, so the reason cache hashes it only once.
_TEXTS: Memo[tuple[Callable[..., str], tuple[Any, ...]], str] = Memo(lambda key: key[0](*key[1]), 50_000)


def _device_text(kind: str, similarity: float, name: str, alias: str) -> str:
    how = f"similarity {similarity:.0f} to" if kind == "fuzzy" else "names"
    return f"{how} {name} (alias '{alias}')"


def _size_text(*mm: float) -> str:
    return f"thumb-sized dimensions ({'x'.join(f'{v:g}' for v in mm)} mm)"


def _agreement_text(what: str, ok: bool, name: str) -> str:
    return f"{what} {'matches' if ok else 'contradicts'} {name}"


def _format_text(template: str, value: float) -> str:
    return template.format(value)


def attributes_text(attributes: Mapping[str, str] | None) -> str:
    """A listing's attributes as the matcher reads them after its title and description."""
    return " | ".join(f"{k}: {v}" for k, v in attributes.items()) if attributes else ""


def _overlaps(span: _Span, others: Sequence[_Span]) -> bool:
    return any(span[0] < b and a < span[1] for a, b in others)


def _near(span: _Span, others: Sequence[_Span], gap: int) -> bool:
    """Whether one of `others` is within `gap` characters of `span`."""
    return any(max(o[0] - span[1], span[0] - o[1]) <= gap for o in others)


def _leads(text: str, span: _Span) -> bool:
    """Whether `span` is the first word of the text (the title's), punctuation aside."""
    return not any(c.isalnum() for c in text[: span[0]])


def _cue_before(cue: re.Pattern[str], text: str, start: int, width: int = 30) -> bool:
    """Whether `cue` (anchored at its end) matches the `width` characters before `start`."""
    return cue.search(text[max(0, start - width) : start]) is not None


def _denied(text: str, span: _Span) -> bool:
    """Whether the words at `span` are denied: "not a toy", "kein Spielzeug", "oyuncak degil"."""
    return _cue_before(NEGATION_BEFORE, text, span[0], 25) or NEGATION_AFTER.match(text, span[1]) is not None


def _works_without_a_phone(text: str, span: _Span) -> bool:
    """Whether an `accessory_only` span is "without a phone" said of a phone that calls on its own
    ("llamas sin movil", "telefoniert ganz ohne Handy"), not of an accessory sold without one."""
    return WITHOUT_START.match(text, span[0]) is not None and _cue_before(STANDALONE_CUE, text, span[0])


def _offered_for_prison(text: str, prisons: list[_Span]) -> _Span | None:
    """The span of "phone(s) for prison" around one of these prison words (`PRISON_PURPOSE`)."""
    before, after = PRISON_PURPOSE
    for start, end in prisons:
        m = before.search(text, max(0, start - 60), start)
        if m is not None:
            return m.start(), end
        m = after.match(text[end : end + 60])
        if m is not None:
            return start, end + m.end()
    return None


def _has_code_hint(text: str) -> bool:
    """Whether folded text can hold a model code (see `names.CODE_RE` and `CYRILLIC_CODE_RE`):
    each starts with one of these letters."""
    return (
        "t" in text or "b" in text or "j" in text or "f" in text or "т" in text or "в" in text or "б" in text
    )


class Matcher:
    """Scores listings against a catalog. Build once (it compiles indexes) and reuse."""

    def __init__(
        self,
        catalog: Catalog,
        weights: MatchWeights = DEFAULT_WEIGHTS,
        parallel_min: int | None = PARALLEL_MIN,
    ) -> None:
        self.catalog = catalog
        self.weights = weights
        self.parallel_min = parallel_min
        self._parallel: HelperPool | None = None
        self.names = NameIndex(catalog, weights.fuzzy_cutoff)
        self._keyfob = next((d for d in catalog.devices if d.family == "keyfob"), None)
        self._ref_dims = {
            d.id: sorted(d.dimensions_mm, reverse=True) for d in catalog.devices if d.dimensions_mm
        }
        self._name_points = {"brand": weights.device_with_brand, "code": weights.device_code_only}
        self._form_classes = tuple((key, getattr(weights, wname), msg) for key, wname, msg in _FORM_CLASSES)
        self._simple_negatives = tuple(
            (key, getattr(weights, wname), msg, title_only)
            for key, wname, msg, title_only in _SIMPLE_NEGATIVES
        )

    # -- public API ------------------------------------------------------------------------------
    def score_listing(
        self, title: str, description: str = "", attributes: Mapping[str, str] | None = None
    ) -> MatchResult:
        """Score one listing."""
        return self._score(title or "", description or "", attributes_text(attributes))

    def score_many(self, listings: Sequence[tuple[str, str]]) -> list[MatchResult]:
        """Score (title, description) pairs; identical pairs are scored once.

        From `parallel_min` distinct pairs on, this process and helper processes score them on all
        cores (see `score_stream`); results are the same either way.
        """
        keys = [(title or "", description or "") for title, description in listings]
        unique = list(dict.fromkeys(keys))
        by_key = dict(zip(unique, self.score_stream((t, d, None) for t, d in unique), strict=True))
        return [by_key[key] for key in keys]

    def score_stream(self, listings: Iterable[ListingFields]) -> Iterator[MatchResult]:
        """Score (title, description, attributes) listings, in order, each result as soon as it
        is known; the listings are read as the work goes, so a long stream is never held whole.

        From `parallel_min` listings on, this process and helper processes score them on all
        cores (see `matching.parallel`); results are the same either way.
        """
        texts = ((t or "", d or "", attributes_text(a)) for t, d, a in listings)
        versions = (MATCHER_VERSION, self.catalog.version)

        def decode(helper: Any, reply: Any) -> list[MatchResult]:
            return decode_block(reply, helper.reasons, versions)

        for outcomes in self._blocks("score", texts, self._score_texts, decode):
            yield from outcomes

    def score_lines(self, lines: Iterable[tuple[str, int, str]]) -> Iterator[LineOutcome]:
        """`thumbwatch match`'s work on (source, line number, text) JSON lines, in order, as in
        `score_stream` (see `jsonlines.score_line`): from `parallel_min` lines on, helper processes
        parse, score and write lines too."""
        for outcomes in self._blocks("lines", lines, partial(score_line, self)):
            yield from outcomes

    def run_tasks(
        self,
        work: Callable[[Matcher, T], R],
        tasks: Iterable[T],
        size: int,
        local: Callable[[T], R],
    ) -> Iterator[R]:
        """Each task's outcome, in order, as soon as it is known: `local(task)` in this process,
        or, when the tasks hold `parallel_min` listings or more (`size` in all), `work(matcher,
        task)` in a helper process with its own matcher of the same catalog and weights for some
        of them. `work` and the tasks cross a pipe: a module-level function and picklable tasks.
        """
        helpers = self._helpers_for(size)
        if helpers is None:
            yield from map(local, tasks)
            return
        blocks = ([(work, task)] for task in tasks)
        for outcomes in helpers.stream("call", blocks, lambda call: local(call[1])):
            yield from outcomes

    def _score_texts(self, texts: tuple[str, str, str]) -> MatchResult:
        return self._score(*texts)

    def _blocks(
        self,
        job: str,
        items: Iterable[Any],
        local: Callable[[Any], Any],
        decode: Callable[[Any, Any], list[Any]] | None = None,
    ) -> Iterator[list[Any]]:
        """Outcomes of `items` block by block, in order: `local(item)` here, or, from
        `parallel_min` items on, the helpers' `job` for some blocks (`HelperPool.stream`)."""
        items = iter(items)
        head = list(islice(items, self.parallel_min or 0))
        helpers = self._helpers_for(len(head))
        blocks = batched(chain(head, items), BLOCK)
        if helpers is None:
            yield from ([local(item) for item in block] for block in blocks)
        else:
            yield from helpers.stream(job, blocks, local, decode)

    def _helpers_for(self, count: int) -> HelperPool | None:
        """The helper processes for a batch of `count`; None when it is scored in this process
        (too small a batch, helpers switched off, or a single core)."""
        if self.parallel_min is None or count < self.parallel_min or (os.cpu_count() or 1) < 2:
            return None
        if self._parallel is None or not self._parallel.alive():
            if self._parallel is not None:
                self._parallel.close()
            self._parallel = HelperPool(self)
        return self._parallel

    # -- scoring ---------------------------------------------------------------------------------
    def _score(self, title: str, description: str, attrs: str) -> MatchResult:
        w = self.weights
        # "|" between the fields: no vocabulary fragment reads across it ("... Hülle" + "Nur ...").
        original = f"{title}|{description}|{attrs}"
        text = fold(original)
        t_end, d_end = len(title), len(title) + 1 + len(description)
        reasons: list[Reason] = []
        # The sums of all points and of the negative ones, in the order reasons are added.
        total: float = 0
        negative: float = 0

        def add(code: str, msg: str, points: float, span: _Span | None = None) -> None:
            nonlocal total, negative
            total += points
            if points < 0:
                negative += points
            if span is None:
                reasons.append(reason((code, msg, points, None, None, None)))
                return
            start, end = span
            if start < t_end:
                field, off = "title", 0
            elif start <= d_end:
                field, off = "description", t_end + 1
            else:
                field, off = "attributes", d_end + 1
            reasons.append(reason((code, msg, points, field, (start - off, end - off), original[start:end])))

        found = VOCAB.scan(text)
        get = found.get
        prisons = get("prison_word")
        if prisons:
            offered = _offered_for_prison(text, prisons)
            if offered is not None:
                found["risk_for_prison"] = [offered]
        mini_phone, phone_word = get("mini_phone", _NO_SPANS), get("phone_word", _NO_SPANS)
        if not mini_phone:
            # "the smallest phone", a phone "the size of a lighter" or "for prison", and a title
            # naming the phone by its prison name say mini phone as plainly as "mini phone" does
            mini_phone = get("risk_smallest") or get("risk_for_prison") or _NO_SPANS
            if not mini_phone and ("risk_prison_slang" in found or "risk_size_of" in found):
                mini_phone = [s for s in get("risk_prison_slang", _NO_SPANS) if s[0] < t_end] or [
                    s for s in get("risk_size_of", _NO_SPANS) if _near(s, phone_word, 30)
                ]
        title_phone: list[_Span] = []
        if phone_word or mini_phone:
            title_phone = [s for s in (*phone_word, *mini_phone) if s[0] < t_end]

        # (a) names
        hits = self.names.find(text) if _has_code_hint(text) or self.names.extra_re is not None else []
        devices: dict[str, NameHit] = {}
        for hit in hits:
            devices.setdefault(hit.device.id, hit)
        # Naming several models ("for BM10 / BM70") is no more evidence of a phone than naming
        # one: the strongest naming counts, the others are shown at 0 points.
        name_points = [self._name_points.get(hit.kind, w.device_fuzzy) for hit in devices.values()]
        counted = name_points.index(max(name_points)) if name_points else -1
        for i, hit in enumerate(devices.values()):
            named = _TEXTS[_device_text, (hit.kind, hit.similarity, hit.device.name, hit.alias)]
            add("device", named, name_points[i] if i == counted else 0.0, hit.span)
        title_phone += [h.span for h in hits if h.span[0] < t_end]
        keyfobs = get("keyfob")
        keyfob = self._keyfob_span(keyfobs, phone_word, mini_phone) if keyfobs else None
        if keyfob is not None and self._keyfob is not None:
            add("keyfob_phone", "phone shaped like a car key / key fob", w.keyfob_phone, keyfob)
            if keyfob[0] < t_end:
                title_phone.append(keyfob)
        if not devices:
            brand = find_brand(text)
            if brand is not None:
                add("brand", "mini-phone brand without a model number", w.brand_only, brand)
        # "The smallest phone" names a phone too, in any of its words for one (`nejmensi mobil`,
        # `minsta mobilen`: "mobil" alone is no phone word, being an adjective in German).
        phone = bool(devices or keyfob or mini_phone or phone_word or "risk_smallest" in found)
        if mini_phone:
            add("mini_phone", "mini-phone wording", w.mini_phone_word, mini_phone[0])
            lots = get("bulk_lot")
            if lots:
                add("bulk_lot", "several units sold together", w.bulk_lot, lots[0])
        elif phone_word:
            add("phone_word", "phone wording", w.phone_word, phone_word[0])

        # (b)+(c) specs and form factor
        specs = extract_specs(text)
        if specs:
            self._spec_reasons(specs, next(iter(devices.values()), None), add)
        no_sim = get("no_sim")
        sim_spans = get("sim", _NO_SPANS)
        if no_sim:
            sim_spans = [s for s in sim_spans if not _overlaps(s, no_sim)]
        if not _FORM_KEYS.isdisjoint(found):
            for key, points, msg in self._form_classes:
                spans = get(key)
                if spans:
                    add(key, msg, points, spans[0])
        if sim_spans:
            add("sim", "takes a SIM card", w.sim, sim_spans[0])
            # the GTStar BM50 kind: a dialer or an earpiece that takes a SIM is a phone of its own
            dialers = get("bt_dialer") or get("earpiece")
            if dialers:
                add(
                    "dialer_sim",
                    "Bluetooth dialer or earpiece that takes its own SIM",
                    w.dialer_with_sim,
                    dialers[0],
                )
                phone = True

        # (d) risk claims
        risk_total = 0.0
        if not _RISK_KEY_SET.isdisjoint(found):
            for key, msg in _RISK_KEYS:
                spans = get(key)
                if spans and risk_total < w.risk_cap:
                    pts = min(w.risk_claim, w.risk_cap - risk_total)
                    risk_total += pts
                    add(key, msg, pts, spans[0])

        # (e) hard negatives and accessories
        if not _NEGATIVE_KEYS.isdisjoint(found):
            self._negatives(found, title_phone, sim_spans, t_end, text, add)

        score = max(0, min(100, round(total if phone else negative)))
        if not phone:
            add("no_phone", "nothing says this is a phone", 0.0)
        tier = (
            "high"
            if score >= w.high
            else "medium"
            if score >= w.medium
            else "low"
            if score >= w.low
            else "none"
        )
        flagged = tier != "none"
        device: Device | None = None
        if flagged:
            # the device named, or the only one the title of a single phone names ("Zanco Fly ...
            # the model before the tiny t1"); a lot of mixed models is no one model
            named = list(devices.values())
            if len(named) > 1:
                named = [] if "bulk_lot" in found else [hit for hit in named if hit.span[0] < t_end]
            if len(named) == 1:
                device = named[0].device
            elif not devices and keyfob is not None:
                device = self._keyfob
        return make_result(
            score,
            tier,
            flagged,
            device.id if device else None,
            device.name if device else (UNIDENTIFIED if flagged else None),
            tuple(reasons),
            MATCHER_VERSION,
            self.catalog.version,
        )

    @staticmethod
    def _keyfob_span(
        keyfobs: list[_Span] | None, phone_word: list[_Span], mini_phone: list[_Span]
    ) -> _Span | None:
        if not keyfobs:
            return None
        phones = phone_word + mini_phone
        for span in keyfobs:
            if any(abs(p[0] - span[1]) <= 30 or abs(span[0] - p[1]) <= 30 for p in phones):
                return span
        return None

    def _spec_reasons(self, specs: list[Spec], hit: NameHit | None, add) -> None:  # type: ignore[no-untyped-def]
        if not specs:
            return
        w = self.weights
        first: dict[str, Spec] = {}
        for spec in specs:
            if spec.kind == "screen" and "screen" in first:
                if spec.value[0] > first["screen"].value[0]:
                    first["screen"] = spec
                continue
            first.setdefault(spec.kind, spec)
        dims, length = first.get("dims"), first.get("length")
        if dims is not None and dims.value[0] >= 30:
            long_side, width = dims.value[0], dims.value[1]
            if long_side <= 80 and width <= 35:
                add("tiny_size", _TEXTS[_size_text, dims.value], w.tiny_size, dims.span)
            elif long_side > w.big_size_mm:
                text = _TEXTS[_format_text, ("too big for a thumb phone ({:g} mm)", long_side)]
                add("big_size", text, w.big_size, dims.span)
        elif length is not None and 30 <= length.value[0] <= 80:
            add(
                "tiny_length",
                _TEXTS[_format_text, ("length {:g} mm", length.value[0])],
                w.tiny_length,
                length.span,
            )
        weight = first.get("weight")
        if weight is not None:
            g = weight.value[0]
            if 8 <= g <= w.max_weight_g:
                add("light", _TEXTS[_format_text, ("weighs {:g} g", g)], w.light_weight, weight.span)
            elif g > w.heavy_weight_g:
                add("heavy", _TEXTS[_format_text, ("weighs {:g} g", g)], w.heavy_weight, weight.span)
        battery = first.get("battery")
        if battery is not None:
            mah = battery.value[0]
            if mah <= w.small_battery_mah:
                add(
                    "small_battery",
                    _TEXTS[_format_text, ("{:g} mAh battery", mah)],
                    w.small_battery,
                    battery.span,
                )
            elif mah >= w.big_battery_mah:
                text = _TEXTS[_format_text, ("{:g} mAh battery (phone-sized)", mah)]
                add("big_battery", text, w.big_battery, battery.span)
        screen = first.get("screen")
        if screen is not None:
            inch = screen.value[0]
            if inch <= w.small_screen_in:
                add("small_screen", _TEXTS[_format_text, ('{:g}" screen', inch)], w.small_screen, screen.span)
            elif inch >= w.large_screen_in:
                text = _TEXTS[_format_text, ('{:g}" screen (ordinary phone)', inch)]
                add("large_screen", text, w.large_screen, screen.span)
        if hit is not None:
            self._agreement(hit.device, first, add)

    def _agreement(self, device: Device, first: dict[str, Spec], add) -> None:  # type: ignore[no-untyped-def]
        w = self.weights
        dims = first.get("dims")
        if device.dimensions_mm and dims is not None:
            ref = self._ref_dims[device.id]
            ok = all(abs(a - b) <= w.dims_tolerance * b for a, b in zip(dims.value, ref, strict=False))
            text = _TEXTS[_agreement_text, ("size", ok, device.name)]
            add("spec_dims", text, w.spec_agrees if ok else w.spec_conflicts, dims.span)
        weight = first.get("weight")
        if device.weight_g and weight is not None:
            ok = abs(weight.value[0] - device.weight_g) <= w.weight_tolerance_g
            text = _TEXTS[_agreement_text, ("weight", ok, device.name)]
            add("spec_weight", text, w.spec_agrees if ok else w.spec_conflicts, weight.span)
        battery = first.get("battery")
        if device.battery_mah and battery is not None:
            ok = abs(battery.value[0] - device.battery_mah) <= w.battery_tolerance * device.battery_mah
            text = _TEXTS[_agreement_text, ("battery", ok, device.name)]
            add("spec_battery", text, w.spec_agrees if ok else w.spec_conflicts, battery.span)

    def _negatives(self, found, title_phone, sim_spans, t_end, text, add) -> None:  # type: ignore[no-untyped-def]
        w = self.weights
        get = found.get
        accessories = get("accessory")
        if accessories:
            first_phone = min((s[0] for s in title_phone), default=t_end)
            cues = [s for s in get("accessory_cue", _NO_SPANS) if s[0] < t_end]
            postcues = [s for s in get("accessory_postcue", _NO_SPANS) if s[0] < t_end]
            # "For L8star BM10 battery 350mAh": a title that starts with "for" sells an accessory.
            cue_leads = bool(cues) and _leads(text, cues[0])
            for acc in accessories:
                if acc[0] >= t_end:
                    break
                if acc[0] > 0 and _cue_before(BUNDLE_CUE, text, acc[0]):
                    continue  # "... with ear hook", "+ charger": in the box of what the title sells
                if any(p[0] == acc[1] + 1 and text[acc[1]] == "-" for p in title_phone):
                    continue  # "Ohrbügel-Telefon": the accessory word names the phone's shape
                led = acc[0] < first_phone
                # "BM10 battery 350mAh", "mini phone case": the accessory is the noun a phone names,
                # unless the title names a SIM slot or a dialer (then its "hook" is the phone's)
                named = (
                    not led
                    and any(0 <= acc[0] - e <= 2 and not text[e : acc[0]].strip(" -") for _, e in title_phone)
                    and not any(s[0] < t_end for s in (*sim_spans, *get("bt_dialer", _NO_SPANS)))
                )
                cue_then_phone = any(
                    0 <= c[0] - acc[1] <= 25 and any(p[0] > c[1] for p in title_phone) for c in cues
                ) or any(
                    0 <= acc[0] - c[1] <= 25 and any(p[1] <= c[0] for p in title_phone) for c in postcues
                )
                if led or named or cue_then_phone or cue_leads:
                    add(
                        "accessory",
                        "accessory listing" + (" for a phone" if cue_then_phone else ""),
                        w.accessory_title,
                        acc,
                    )
                    break
        wanted = get("wanted")
        # "Looking for the smallest phone? ..." is a seller's question, not a wanted ad
        if wanted and _leads(text, wanted[0]) and "?" not in text[:t_end]:
            add("wanted", "a wanted / buying ad, not an offer", w.wanted_ad, wanted[0])
        if not _SIMPLE_NEGATIVE_KEYS.isdisjoint(found):
            for key, points, msg, title_only in self._simple_negatives:
                spans = get(key)
                if spans and key == "accessory_only":
                    spans = [s for s in spans if not _works_without_a_phone(text, s)]
                elif spans and key in _DENIABLE:
                    spans = [s for s in spans if not _denied(text, s)]
                    if spans and key == "other_product":  # "USB stick size": a size, not the product
                        spans = [s for s in spans if not _overlaps(s, get("risk_size_of", _NO_SPANS))]
                if spans and (not title_only or spans[0][0] < t_end):
                    add(key, msg, points, spans[0])
        paired_end = -1  # where the last smartphone named as what the phone pairs with ends
        for span in get("smartphone", _NO_SPANS):
            if (
                _denied(text, span)
                or _cue_before(PAIRING_CUE, text, span[0])
                or (paired_end >= 0 and PAIRING_CHAIN.match(text[paired_end : span[0]]))
                or PAIRING_POSTCUE.match(text[span[1] : span[1] + 40])
            ):
                paired_end = span[1]
                continue
            add("smartphone", "smartphone, not a thumb phone", w.smartphone, span)
            break
        earpieces = get("earpiece")
        # "mini phone + charger + earphones": earphones in a phone's box
        if (
            earpieces
            and earpieces[0][0] < t_end
            and not sim_spans
            and not (title_phone and _cue_before(BUNDLE_CUE, text, earpieces[0][0]))
        ):
            add("earpiece", "earpiece / headset without a SIM slot", w.earpiece_no_sim, earpieces[0])
        lighters = get("lighter")
        if lighters:
            # A lighter is the product when the listing says it is shaped like a phone, or leads
            # its title, or runs on gas; otherwise it is what the phone is compared with.
            compared = get("risk_size_of", _NO_SPANS) + get("lighter_compared", _NO_SPANS)
            shapes = get("shaped", _NO_SPANS)
            gas = get("lighter_gas")
            lighters = [
                s
                for s in lighters
                if not _overlaps(s, compared)
                and (gas or _leads(text, s) or _near(s, shapes, 30))
            ]
            if lighters:
                add("lighter", "a lighter shaped like a phone", w.lighter, lighters[0])
                if gas:
                    add("lighter_gas", "gas / refillable", w.lighter / 2, gas[0])
        detectors = get("detector")
        if detectors:
            passes = get("risk_passes_security", _NO_SPANS)
            detectors = [s for s in detectors if s[0] < t_end and not _overlaps(s, passes)]
            if detectors:
                add("detector", "a detector / jammer / security gate", w.detector_product, detectors[0])


@lru_cache(maxsize=4)
def _cached_matcher(path: str | None) -> Matcher:
    return Matcher(load_catalog(Path(path) if path else None))


def get_matcher(catalog_path: Path | None = None) -> Matcher:
    """A cached `Matcher` over the given (default: bundled) catalog."""
    return _cached_matcher(str(catalog_path) if catalog_path else None)
