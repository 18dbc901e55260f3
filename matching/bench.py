"""Throughput benchmark of `Matcher.score_many` against a naive per-listing Python loop.

`bench_matcher` generates synthetic listings from templates (positives with obfuscated model
names and spec blocks in several units and languages, hard negatives, accessories), then times
both. The lead's CLI (`thumbwatch bench`) prints the returned dict; this module never prints.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from matching.catalog import Catalog
from matching.matcher import Matcher, get_matcher
from matching.terms import SEARCH_TERMS

__all__ = ["bench_matcher", "synthetic_listings"]

_MODELS = [
    "L8star BM10",
    "BM10",
    "B M 1 0",
    "BM-10s",
    "L8 star BM-70",
    "BM90",
    "GTStar BM50",
    "Zanco tiny t1",
    "Tiny T2",
    "Zanco Fly",
    "LONG-CZ J8",
    "Long CZ J-8",
    "BM30",
]
_MINI = [
    "Mini Phone",
    "Tiny Mobile Phone",
    "Mini Téléphone Portable",
    "Mini Móvil",
    "Mini Handy",
    "Mini Cellulare",
    "Mini Telefoon",
    "Mini Celular",
    "Micro Cell Phone",
    "Thumb Phone",
]
_FEATURES = [
    "Dual SIM",
    "Bluetooth Dialer",
    "Voice Changer",
    "FM Radio",
    "Unlocked",
    "2G GSM",
    "Magic Voice",
    "Black",
    "Single SIM",
    "MP3",
    "Keypad",
    "Double SIM",
    "Quad Band",
]
_CLAIMS = [
    "Smallest Phone in the World",
    "No Metal",
    "Undetectable",
    "Plastic Body",
    "size of a lighter",
    "passes metal detectors",
    "le plus petit téléphone",
    "sin metal",
]
_NEGATIVE_TITLES = [
    "Apple iPhone {n} mini {g}GB Black Unlocked",
    "Samsung Galaxy S{n} mini White Smartphone",
    "Silicone Case for {model} Mini Phone Cover",
    "Replacement Battery for {model} {mah}mAh",
    "Mini GPS Tracker GF-{n} SIM GSM Real Time Locator",
    "Bluetooth Earpiece Wireless Headset Mini",
    "Kids Toy Phone Mini Cell Phone with Lights",
    "Mini Cooper Key Fob Case Cover",
    "Nokia 105 Dual SIM Feature Phone {colour}",
    "Xiaomi BM50 Battery for Mi Max 2 {mah}mAh",
    "Hand Held Metal Detector Wand for Prisons",
    "Mini Bluetooth Speaker Portable {colour}",
    "Vintage Phone Shaped Butane Lighter Refillable",
    "Coque Silicone pour Mini Téléphone {model}",
]
_COLOURS = ["Black", "Red", "Blue", "Silver", "Gold", "White"]
_FILLER = [
    "Brand new in box.",
    "Fast dispatch.",
    "Tested and working.",
    "Ships worldwide.",
    "Envoi rapide.",
    "Versand als Brief.",
    "Envío a toda España.",
    "Spedizione gratuita.",
    "Great gift.",
    "Original packaging.",
]
# Longer seller boilerplate, so descriptions reach the 200-300 characters of real listings.
_BOILERPLATE = [
    "Payment within 3 days of purchase please.",
    "Returns accepted within 14 days of delivery.",
    "Please look at the photos carefully before you buy.",
    "Ask me if you have any questions.",
    "Combined postage available when you buy several items.",
    "Smoke-free and pet-free home.",
    "Dispatched the next working day from our warehouse.",
    "Colour may vary slightly from the pictures.",
    "Paiement sécurisé, expédition sous 24 h avec suivi.",
    "Artículo nuevo, envío en 24/48 horas.",
    "Bezahlung per Überweisung oder bar bei Abholung möglich.",
    "Disponibile anche il ritiro a mano.",
    "Levering binnen twee werkdagen.",
    "Check out my other listings for more bargains.",
]
_TITLE_TAILS = [
    "New Boxed",
    "UK Seller",
    "Free Shipping",
    "Fast Delivery",
    "Top Quality",
    "Neu OVP",
    "Livraison Gratuite",
    "Envío Rápido",
    "2024 Model",
    "Gift Idea",
]


def _spec_block(rng: random.Random) -> str:
    a, b, c = rng.randint(40, 75), rng.randint(18, 32), rng.randint(10, 16)
    dims = rng.choice(
        [
            f"Size: {a}*{b}*{c}mm",
            f"Dimensions : {a / 10:.1f} x {b / 10:.1f} x {c / 10:.1f} cm".replace(".", ","),
            f"{a} x {b} x {c} mm",
            f"{a / 25.4:.2f} x {b / 25.4:.2f} in",
        ]
    )
    weight = rng.choice(
        [
            f"Weight: {rng.randint(12, 35)}g",
            f"Peso: {rng.randint(12, 35)} g",
            f"{rng.randint(5, 12) / 10:.1f} oz",
        ]
    )
    battery = rng.choice(
        [f"Battery: {rng.choice([200, 300, 350, 500])}mAh", f"Akku: {rng.randint(2, 6)}00 mAh"]
    )
    return " / ".join(rng.sample([dims, weight, battery, "Network: GSM 850/900/1800/1900"], 3))


def synthetic_listings(n: int, seed: int = 1) -> list[tuple[str, str]]:
    """`n` varied (title, description) pairs, about 45 % positive, generated from templates.

    Lengths are those of real marketplace listings: titles of about 80 characters and
    descriptions of 200-300.
    """
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for i in range(n):
        model = rng.choice(_MODELS)
        tail = " ".join(rng.sample(_TITLE_TAILS, 2))
        boilerplate = " ".join(rng.sample(_BOILERPLATE, 3))
        if rng.random() < 0.45:
            parts = [rng.choice(_MINI), *rng.sample(_FEATURES, 3)]
            if rng.random() < 0.6:
                parts.insert(rng.randint(0, 1), model)
            if rng.random() < 0.4:
                parts.append(rng.choice(_CLAIMS))
            title = " ".join(parts) + f" {rng.choice(_COLOURS)} {tail} #{i}"
            desc = f"{_spec_block(rng)}. {rng.choice(_FILLER)} {rng.choice(_FILLER)} {boilerplate}"
        else:
            title = (
                rng.choice(_NEGATIVE_TITLES).format(
                    n=rng.randint(4, 13),
                    g=rng.choice([64, 128, 256]),
                    model=model,
                    mah=rng.choice([350, 3350, 5300]),
                    colour=rng.choice(_COLOURS),
                )
                + f" {tail} #{i}"
            )
            desc = " ".join(rng.sample(_FILLER, 4)) + f" Item {rng.randint(1000, 99999)}. {boilerplate}"
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


def _rate(matcher: Matcher, listings: list[tuple[str, str]]) -> tuple[float, int]:
    start = time.perf_counter()
    results = matcher.score_many(listings)
    return len(listings) / (time.perf_counter() - start), sum(r.flagged for r in results)


def timed_run(n: int, seed: int, single_n: int) -> dict[str, float | int]:
    """One round, meant for a fresh process: `score_many` on `n` listings as the CLI runs it
    (helper start-up included), then the same matcher on one core over `single_n` of them."""
    matcher: Matcher = get_matcher()
    listings = synthetic_listings(n, seed)
    rate, flagged = _rate(matcher, listings)
    single = Matcher(matcher.catalog, matcher.weights, parallel_min=None)
    single_rate, _ = _rate(single, listings[:single_n])
    return {"ours_per_s": rate, "single_process_per_s": single_rate, "flagged": flagged}


def _fresh_round(n: int, seed: int, single_n: int) -> dict[str, float | int]:
    root = Path(__file__).resolve().parents[1]
    code = (
        "import json; from matching.bench import timed_run; "
        f"print(json.dumps(timed_run({n}, {seed}, {single_n})))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _naive_rate(listings: list[tuple[str, str]], catalog: Catalog) -> float:
    start = time.perf_counter()
    _naive(listings, catalog)
    return len(listings) / (time.perf_counter() - start)


def bench_matcher(n: int = 100_000, seed: int = 1, rounds: int = 3) -> dict[str, float | int]:
    """Listings/s of `score_many` (as used, and on one core) and of the naive loop, and their ratio.

    Each round of `score_many` runs in a fresh process, so every one pays the imports' and the
    helper processes' start-up and warms its caches from cold, as `thumbwatch match` does; the
    best of `rounds` is reported (this machine's timings vary by a fifth from run to run).
    `ours_per_s` is `score_many` as the CLI runs it: from `PARALLEL_MIN` listings on it uses
    helper processes. `single_process_per_s` is the same matcher with the helpers switched off
    (on up to 20,000 listings); the naive loop runs on up to 5,000, best of `rounds` too.
    """
    single_n = min(n, 20_000)
    runs = [_fresh_round(n, seed, single_n) for _ in range(rounds)]
    best = max(runs, key=lambda run: run["ours_per_s"])
    listings = synthetic_listings(n, seed)
    naive_n = min(n, 5_000)  # the naive loop is slow; its rate is stable on a sample
    catalog = get_matcher().catalog
    naive_rate = max(_naive_rate(listings[:naive_n], catalog) for _ in range(rounds))
    ours_rate = float(best["ours_per_s"])
    return {
        "n": n,
        "naive_n": naive_n,
        "rounds": rounds,
        "cpu_count": os.cpu_count() or 1,
        "avg_chars": round(sum(len(t) + len(d) for t, d in listings) / max(n, 1), 1),
        "ours_per_s": round(ours_rate, 1),
        "ours_rounds_per_s": [round(float(run["ours_per_s"]), 1) for run in runs],
        "single_process_per_s": round(max(float(run["single_process_per_s"]) for run in runs), 1),
        "naive_per_s": round(naive_rate, 1),
        "ratio": round(ours_rate / naive_rate, 2),
        "seconds": round(n / ours_rate, 3),
        "flagged": int(best["flagged"]),
    }
