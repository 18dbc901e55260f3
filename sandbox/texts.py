"""Listing texts of the sandbox, written from templates for every kind of listing.

A *kind* says what a listing really sells, and so whether it is a hit: the positives
(``named-model``, ``unnamed-mini``, ``keyfob``) sell a contraband-type mini phone; the hard
negatives share their vocabulary but sell something else (a smartphone called "mini", a case
*for* a mini phone, a toy, a key-fob cover, an earpiece without SIM...), following the label
definition of ``shared/eval/README.md``. Positives carry a model name or mini-phone words with
spec or risk evidence; negatives carry an explicit cue (accessory "for", toy, no SIM).
"""

from __future__ import annotations

import random

from sandbox.devices import (
    CAR_BRANDS,
    COLOURS,
    MINI_PHONE_WORDS,
    MINI_PHONES,
    RISK_CLAIMS,
    SMALLEST,
    SPEC_LABELS,
    ListingText,
    MiniPhone,
    format_dims,
    format_weight,
)
from sandbox.negatives import NEGATIVE_WRITERS

# kind -> (weight, is_hit, languages with templates)
KINDS: dict[str, tuple[float, bool, tuple[str, ...]]] = {
    "named-model": (26, True, ("en", "fr", "de", "es", "it")),
    "unnamed-mini": (11, True, ("en", "fr", "de", "es", "it")),
    "keyfob": (5, True, ("en", "fr")),
    "hard-negative:smartphone-mini": (9, False, ("en", "fr")),
    "hard-negative:accessory": (11, False, ("en", "fr", "de", "es", "it")),
    "hard-negative:toy": (5, False, ("en", "fr")),
    "hard-negative:keyfob-cover": (5, False, ("en", "fr")),
    "hard-negative:earpiece": (6, False, ("en", "fr")),
    "hard-negative:small-phone": (5, False, ("en", "fr")),
    "hard-negative:model-collision": (3, False, ("en", "fr")),
    "hard-negative:gps-tracker": (3, False, ("en", "fr")),
    "hard-negative:spy-camera": (2, False, ("en", "fr")),
    "negative:ordinary": (9, False, ("en", "fr")),
}
LANGUAGE_WEIGHTS: dict[str, float] = {"en": 55, "fr": 27, "de": 7, "es": 6, "it": 5}

_NET_SHORT = {"en": "2G GSM", "fr": "GSM 2G", "de": "GSM 2G", "es": "GSM 2G", "it": "GSM 2G"}
_UNLOCKED = {"en": "unlocked", "fr": "débloqué", "de": "ohne Simlock", "es": "libre", "it": "sbloccato"}
_NEW = {"en": "New", "fr": "Neuf", "de": "Neu", "es": "Nuevo", "it": "Nuovo"}
_LOT = {"en": "{n} pcs", "fr": "Lot de {n}", "de": "{n} Stück", "es": "Lote de {n}", "it": "Lotto di {n}"}
_INTRO = {
    "en": (
        "Brand new {name}, {unlocked}, works with any SIM card.",
        "Calls and SMS only, no camera. Comes with USB cable.",
        "Tiny GSM mobile phone with its own SIM slot.",
    ),
    "fr": (
        "{name} neuf, {unlocked}, fonctionne avec toute carte SIM.",
        "Appels et SMS, sans appareil photo. Livré avec câble USB.",
        "Mini téléphone GSM avec sa propre carte SIM.",
    ),
    "de": ("{name} neu, {unlocked}, funktioniert mit jeder SIM-Karte.", "Nur Anrufe und SMS. Mit USB-Kabel."),
    "es": (
        "{name} nuevo, {unlocked}, funciona con cualquier tarjeta SIM.",
        "Llamadas y SMS, sin cámara. Incluye cable USB.",
    ),
    "it": (
        "{name} nuovo, {unlocked}, funziona con qualsiasi scheda SIM.",
        "Chiamate e SMS, senza fotocamera. Cavo USB incluso.",
    ),
}
_SIM_WORDS = {
    "single SIM": {"fr": "une seule", "de": "Single-SIM", "es": "1 SIM", "it": "singola SIM"},
    "dual SIM": {"fr": "double SIM", "de": "Dual-SIM", "es": "doble SIM", "it": "doppia SIM"},
}
_BODY = {"en": "plastic", "fr": "plastique", "de": "Kunststoff", "es": "plástico", "it": "plastica"}


def _spec_block(
    rng: random.Random,
    lang: str,
    phone: MiniPhone | None,
    name: str | None,
    dims: tuple[float, float, float] | None,
    weight: int | None,
    battery: int | None,
    plastic: bool,
) -> list[str]:
    labels = SPEC_LABELS[lang]
    sep = " : " if lang == "fr" else ": "
    lines: list[str] = []
    if name:
        lines.append(f"{labels['model']}{sep}{name}")
    if dims:
        lines.append(f"{labels['size']}{sep}{format_dims(dims, lang, rng.randrange(4))}")
    if weight:
        lines.append(f"{labels['weight']}{sep}{format_weight(weight, lang)}")
    if battery:
        lines.append(f"{labels['battery']}{sep}{battery} mAh")
    network = phone.network if phone else _NET_SHORT[lang]
    lines.append(f"{labels['network']}{sep}{network}")
    sim = phone.sim if phone else "single SIM"
    lines.append(f"{labels['sim']}{sep}{_SIM_WORDS.get(sim, {}).get(lang, sim)}")
    if phone and phone.screen:
        lines.append(f"{labels['screen']}{sep}{phone.screen}")
    if plastic:
        lines.append(f"{labels['body']}{sep}{_BODY[lang]}")
    return lines


def named_model(rng: random.Random, lang: str) -> ListingText:
    phone = rng.choice(MINI_PHONES)
    name = rng.choice(phone.names)
    words = rng.choice(MINI_PHONE_WORDS[lang])
    colour = rng.choice(COLOURS[lang])
    lot = rng.random() < 0.15
    n = rng.randint(2, 5)
    style = rng.randrange(3)
    if lot:
        title = f"{_LOT[lang].format(n=n)} {name} {words} {colour}"
    elif style == 0:
        title = f"{name} {words} – {rng.choice(SMALLEST[lang])}"
    elif style == 1:
        title = f"{_NEW[lang]} {name} {words} {_NET_SHORT[lang]} {colour}"
    else:
        title = f"{words.capitalize()} {name} {_UNLOCKED[lang]} {colour}"
    intro = rng.choice(_INTRO[lang]).format(name=name, unlocked=_UNLOCKED[lang])
    lines = [
        intro,
        *_spec_block(
            rng,
            lang,
            phone,
            name,
            phone.dims_mm,
            phone.weight_g,
            phone.battery_mah,
            "plastic body" in phone.extras,
        ),
    ]
    if phone.extras and lang == "en":
        lines.append("Features: " + ", ".join(phone.extras))
    if rng.random() < 0.4:
        lines.append(rng.choice(RISK_CLAIMS[lang]))
    low, high = phone.base_price_eur
    price = rng.uniform(low, high) * (n if lot else 1)
    attributes = {
        "Brand": phone.brand,
        "Model": name,
        "Network": phone.network,
        "Colour": colour,
        "Condition": _NEW[lang],
    }
    return ListingText(
        title, "\n".join(lines), attributes, phone.family, "mini-phones", price, brand=phone.brand
    )


_UNNAMED_TITLES = {
    "en": (
        "Smallest Mini Mobile Phone {net} – Plastic Body, {colour}",
        "Thumb size mini phone with SIM slot, {weight}, {colour}",
        "Tiny mobile phone, size of a lighter, {net} unlocked",
    ),
    "fr": (
        "Mini téléphone portable indétectable {net} – {colour}",
        "Mini téléphone taille d'un briquet, {weight}, carte SIM",
        "Le plus petit téléphone portable, {net}, {colour}",
    ),
    "de": (
        "Kleinstes Handy der Welt – Mini Handy {net}, {colour}",
        "Mini Handy Daumengröße mit SIM, {weight}",
    ),
    "es": ("Mini teléfono móvil más pequeño {net} – {colour}", "Mini móvil tamaño pulgar con SIM, {weight}"),
    "it": (
        "Mini cellulare più piccolo del mondo {net} – {colour}",
        "Mini telefono grande come un pollice, SIM, {weight}",
    ),
}
_UNNAMED_DIMS: tuple[tuple[float, float, float], ...] = (
    (68, 28, 13),
    (49, 20, 11),
    (55, 22, 12),
    (62, 24, 12),
    (68, 23, 11),
    (45, 19, 10),
)


def unnamed_mini(rng: random.Random, lang: str) -> ListingText:
    colour = rng.choice(COLOURS[lang])
    weight = rng.randint(13, 26)
    dims = rng.choice(_UNNAMED_DIMS)
    battery = rng.choice((200, 250, 300, 350, 400))
    title = rng.choice(_UNNAMED_TITLES[lang]).format(
        net=_NET_SHORT[lang], colour=colour, weight=format_weight(weight, lang)
    )
    lines = [
        rng.choice(RISK_CLAIMS[lang]),
        *_spec_block(rng, lang, None, None, dims, weight, battery, True),
        rng.choice(RISK_CLAIMS[lang]),
    ]
    attributes = {
        "Brand": "Unbranded",
        "Network": _NET_SHORT[lang],
        "Colour": colour,
        "Condition": _NEW[lang],
    }
    return ListingText(
        title, "\n".join(dict.fromkeys(lines)), attributes, "generic", "mini-phones", rng.uniform(15, 35)
    )


def keyfob(rng: random.Random, lang: str) -> ListingText:
    car = rng.choice(CAR_BRANDS)
    battery = rng.choice((280, 300, 380))
    if lang == "fr":
        title = rng.choice(
            (
                f"Mini téléphone porte-clés forme clé de voiture {car} – carte SIM GSM",
                f"Téléphone clé de voiture {car}, mini téléphone GSM débloqué",
            )
        )
        lines = [
            "Ressemble à une clé de voiture, mais c'est un vrai téléphone.",
            "Carte SIM : 1 (GSM 850/900/1800/1900)",
            'Écran : 1" couleur',
            f"Batterie : {battery} mAh",
            "Appels, SMS, numéroteur Bluetooth.",
        ]
    else:
        title = rng.choice(
            (
                f"{car} Key Fob Phone – Car Key Shaped Mini Mobile Phone with SIM",
                f"Car key mini phone {car} style, GSM quad band, unlocked",
            )
        )
        lines = [
            "Looks like a car key but it is a real mobile phone.",
            "SIM: single SIM, GSM 850/900/1800/1900",
            'Screen: 1" colour 128x128',
            f"Battery: {battery} mAh",
            "Calls, SMS, Bluetooth dialer.",
        ]
    if rng.random() < 0.5:
        lines.append(rng.choice(RISK_CLAIMS[lang]))
    attributes = {"Brand": "Unbranded", "Shape": "car key", "Network": "GSM"}
    return ListingText(title, "\n".join(lines), attributes, "keyfob", "mini-phones", rng.uniform(30, 50))


POSITIVE_WRITERS = {"named-model": named_model, "unnamed-mini": unnamed_mini, "keyfob": keyfob}
WRITERS = {**POSITIVE_WRITERS, **NEGATIVE_WRITERS}


def write_listing(rng: random.Random, kind: str, lang: str) -> ListingText:
    """Title, description and attributes of one listing of `kind` in `lang`."""
    return WRITERS[kind](rng, lang)
