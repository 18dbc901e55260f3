"""Throughput benchmark of `Matcher.score_many` against a naive per-listing Python loop.

`bench_matcher` generates synthetic listings from templates (positives with obfuscated model
names and spec blocks in several units and languages, hard negatives, accessories), then times
both. The lead's CLI (`thumbwatch bench`) prints the returned dict; this module never prints.
"""

from __future__ import annotations

import os
import random
import time

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from matching.catalog import Catalog
from matching.matcher import Matcher, get_matcher
from matching.terms import SEARCH_TERMS

__all__ = ["bench_matcher", "synthetic_listings"]

_MODELS = ["L8star BM10", "BM10", "B M 1 0", "BM-10s", "L8 star BM-70", "BM90", "GTStar BM50",
           "Zanco tiny t1", "Tiny T2", "Zanco Fly", "LONG-CZ J8", "Long CZ J-8", "BM30"]
_MINI = ["Mini Phone", "Tiny Mobile Phone", "Mini Téléphone Portable", "Mini Móvil", "Mini Handy",
         "Mini Cellulare", "Mini Telefoon", "Mini Celular", "Micro Cell Phone", "Thumb Phone"]
_FEATURES = ["Dual SIM", "Bluetooth Dialer", "Voice Changer", "FM Radio", "Unlocked", "2G GSM",
             "Magic Voice", "Black", "Single SIM", "MP3", "Keypad", "Double SIM", "Quad Band"]
_CLAIMS = ["Smallest Phone in the World", "No Metal", "Undetectable", "Plastic Body",
           "size of a lighter", "passes metal detectors", "le plus petit téléphone", "sin metal"]
_NEGATIVE_TITLES = [
    "Apple iPhone {n} mini {g}GB Black Unlocked", "Samsung Galaxy S{n} mini White Smartphone",
    "Silicone Case for {model} Mini Phone Cover", "Replacement Battery for {model} {mah}mAh",
    "Mini GPS Tracker GF-{n} SIM GSM Real Time Locator", "Bluetooth Earpiece Wireless Headset Mini",
    "Kids Toy Phone Mini Cell Phone with Lights", "Mini Cooper Key Fob Case Cover",
    "Nokia 105 Dual SIM Feature Phone {colour}", "Xiaomi BM50 Battery for Mi Max 2 {mah}mAh",
    "Hand Held Metal Detector Wand for Prisons", "Mini Bluetooth Speaker Portable {colour}",
    "Vintage Phone Shaped Butane Lighter Refillable", "Coque Silicone pour Mini Téléphone {model}",
]
_COLOURS = ["Black", "Red", "Blue", "Silver", "Gold", "White"]
_FILLER = ["Brand new in box.", "Fast dispatch.", "Tested and working.", "Ships worldwide.",
           "Envoi rapide.", "Versand als Brief.", "Envío a toda España.", "Spedizione gratuita.",
           "Great gift.", "Original packaging."]


def _spec_block(rng: random.Random) -> str:
    a, b, c = rng.randint(40, 75), rng.randint(18, 32), rng.randint(10, 16)
    dims = rng.choice([f"Size: {a}*{b}*{c}mm", f"Dimensions : {a / 10:.1f} x {b / 10:.1f} x {c / 10:.1f} cm"
                       .replace(".", ","), f"{a} x {b} x {c} mm", f"{a / 25.4:.2f} x {b / 25.4:.2f} in"])
    weight = rng.choice([f"Weight: {rng.randint(12, 35)}g", f"Peso: {rng.randint(12, 35)} g",
                         f"{rng.randint(5, 12) / 10:.1f} oz"])
    battery = rng.choice([f"Battery: {rng.choice([200, 300, 350, 500])}mAh",
                          f"Akku: {rng.randint(2, 6)}00 mAh"])
    return " / ".join(rng.sample([dims, weight, battery, "Network: GSM 850/900/1800/1900"], 3))


def synthetic_listings(n: int, seed: int = 1) -> list[tuple[str, str]]:
    """`n` varied (title, description) pairs, about 45 % positive, generated from templates."""
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for i in range(n):
        model = rng.choice(_MODELS)
        if rng.random() < 0.45:
            parts = [rng.choice(_MINI), *rng.sample(_FEATURES, 3)]
            if rng.random() < 0.6:
                parts.insert(rng.randint(0, 1), model)
            if rng.random() < 0.4:
                parts.append(rng.choice(_CLAIMS))
            title = " ".join(parts) + f" {rng.choice(_COLOURS)} #{i}"
            desc = f"{_spec_block(rng)}. {rng.choice(_FILLER)} {rng.choice(_FILLER)}"
        else:
            title = rng.choice(_NEGATIVE_TITLES).format(
                n=rng.randint(4, 13), g=rng.choice([64, 128, 256]), model=model,
                mah=rng.choice([350, 3350, 5300]), colour=rng.choice(_COLOURS)) + f" #{i}"
            desc = " ".join(rng.sample(_FILLER, 4)) + f" Item {rng.randint(1000, 99999)}."
        out.append((title, desc))
    return out


def _naive(listings: list[tuple[str, str]], catalog: Catalog) -> int:
    aliases = [a for d in catalog.devices for a in d.aliases]
    keywords = [k.lower() for k in SEARCH_TERMS] + ["undetectable", "no metal", "plastic", "smallest"]
    flagged = 0
    for title, desc in listings:
        text = f"{title} {desc}"
        best = max(fuzz.partial_ratio(a, text, processor=default_process) for a in aliases)
        low = text.lower()
        hits = sum(1 for k in keywords if k in low)
        flagged += best >= 90 or hits >= 2
    return flagged


def bench_matcher(n: int = 100_000, seed: int = 1) -> dict[str, float | int]:
    """Listings/s of `score_many` and of the naive loop (on up to 5,000 listings), and their ratio."""
    matcher: Matcher = get_matcher()
    listings = synthetic_listings(n, seed)
    start = time.perf_counter()
    results = matcher.score_many(listings)
    fast_s = time.perf_counter() - start
    naive_n = min(n, 5_000)  # the naive loop is slow; its rate is stable on a sample
    start = time.perf_counter()
    _naive(listings[:naive_n], matcher.catalog)
    naive_s = time.perf_counter() - start
    fast_rate = n / fast_s
    naive_rate = naive_n / naive_s
    return {
        "n": n, "naive_n": naive_n, "cpu_count": os.cpu_count() or 1,
        "score_many_per_s": round(fast_rate, 1), "naive_per_s": round(naive_rate, 1),
        "speedup": round(fast_rate / naive_rate, 2), "seconds": round(fast_s, 3),
        "flagged": sum(r.flagged for r in results),
    }
