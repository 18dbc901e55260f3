"""Templates of the sandbox's negative listings, hard negatives first.

Each writer returns a `ListingText` for a product that shares vocabulary with the mini
phones ("mini", a model name, SIM, mAh, key fob) but is not one, and says so the way
sellers do: "case for", "phone not included", "not a real phone", "no SIM card".
"""

from __future__ import annotations

import random
from collections.abc import Callable

from sandbox.devices import CAR_BRANDS, COLOURS, MINI_PHONE_WORDS, MINI_PHONES, ListingText

_SMARTPHONES = (
    ("Apple", "iPhone 13 mini", '5.4"', "A15 Bionic", "5G", (64, 128, 256)),
    ("Apple", "iPhone 12 mini", '5.4"', "A14 Bionic", "5G", (64, 128)),
    ("Samsung", "Galaxy S4 mini", '4.3"', "Snapdragon 400", "4G", (8,)),
    ("Sony", "Xperia Z1 Compact", '4.3"', "Snapdragon 800", "4G", (16,)),
)


def smartphone_mini(rng: random.Random, lang: str) -> ListingText:
    brand, model, screen, chip, net, storages = rng.choice(_SMARTPHONES)
    storage = rng.choice(storages)
    colour = rng.choice(COLOURS[lang])
    health = rng.randint(78, 100)
    if lang == "fr":
        title = f"{brand} {model} {storage} Go {colour} – très bon état"
        lines = [
            f"Smartphone {model}, débloqué tout opérateur.",
            f"Écran : {screen}",
            f"Puce : {chip}",
            f"Réseau : {net}",
            f"Santé batterie : {health} %",
            "Téléphone complet avec boîte et câble.",
        ]
    else:
        title = rng.choice(
            (
                f"{brand} {model} {storage}GB {colour} – Unlocked",
                f"{model} {storage} GB smartphone, mini phone, {colour}",
            )
        )
        lines = [
            f"{model} smartphone in good condition, factory reset.",
            f"Screen: {screen}",
            f"Chip: {chip}",
            f"Network: {net}",
            f"Battery health: {health}%",
        ]
    attributes = {"Brand": brand, "Model": model, "Storage": f"{storage} GB", "Colour": colour}
    return ListingText(
        title, "\n".join(lines), attributes, None, "smartphones", rng.uniform(90, 420), brand=brand
    )


_ACCESSORIES = {
    "en": (
        ("Silicone case for {name} {words}", "Soft silicone cover, {colour}."),
        ("USB charging cable for {name} {words}", "Micro-USB cable, 1 m."),
        ("Replacement battery for {name} – {mah} mAh", "Spare battery, 3.7 V."),
        ("Ear hook for {name} {words}", "Clip-on ear hook, 2 pieces."),
        ("Screen protector film for {name}", "Pack of 3 films."),
    ),
    "fr": (
        ("Coque silicone pour {name} {words}", "Housse souple, {colour}."),
        ("Câble de charge USB pour {name} {words}", "Câble micro-USB, 1 m."),
        ("Batterie de remplacement pour {name} – {mah} mAh", "Batterie de rechange 3,7 V."),
    ),
    "de": (
        ("Schutzhülle für {name} {words}", "Silikonhülle, {colour}."),
        ("Ladekabel für {name} {words}", "Micro-USB-Kabel, 1 m."),
    ),
    "es": (
        ("Funda de silicona para {name} {words}", "Funda suave, {colour}."),
        ("Cable de carga USB para {name} {words}", "Cable micro-USB, 1 m."),
    ),
    "it": (
        ("Custodia in silicone per {name} {words}", "Cover morbida, {colour}."),
        ("Cavo di ricarica USB per {name} {words}", "Cavo micro-USB, 1 m."),
    ),
}
_NOT_INCLUDED = {
    "en": "Accessory only – the phone is NOT included.",
    "fr": "Accessoire uniquement, téléphone non inclus.",
    "de": "Nur Zubehör – Handy nicht enthalten.",
    "es": "Solo accesorio, teléfono no incluido.",
    "it": "Solo accessorio, telefono non incluso.",
}
_COMPATIBLE = {
    "en": "Compatible with",
    "fr": "Compatible avec",
    "de": "Passend für",
    "es": "Compatible con",
    "it": "Compatibile con",
}


def accessory(rng: random.Random, lang: str) -> ListingText:
    phone = rng.choice(MINI_PHONES)
    name = rng.choice(phone.names)
    title_t, detail_t = rng.choice(_ACCESSORIES[lang])
    values = {
        "name": name,
        "words": rng.choice(MINI_PHONE_WORDS[lang]),
        "colour": rng.choice(COLOURS[lang]),
        "mah": phone.battery_mah or 300,
    }
    lines = [detail_t.format(**values), f"{_COMPATIBLE[lang]}: {name}", _NOT_INCLUDED[lang]]
    return ListingText(
        title_t.format(**values),
        "\n".join(lines),
        {"Type": "Accessory", "Compatible model": name},
        None,
        "accessories",
        rng.uniform(2, 9),
    )


def toy(rng: random.Random, lang: str) -> ListingText:
    if lang == "fr":
        title = rng.choice(
            (
                "Téléphone jouet pour enfant – mini téléphone musical",
                "Faux téléphone factice, réplique non fonctionnelle",
            )
        )
        lines = [
            "Jouet en plastique, dès 3 ans, piles AAA non fournies.",
            "Ce n'est pas un vrai téléphone : pas de carte SIM, pas d'appels.",
        ]
    else:
        title = rng.choice(
            (
                "Toy mobile phone for kids – mini phone with music and lights",
                "Dummy phone replica, non-working display model",
                "Mini phone keychain charm – decorative, not functional",
            )
        )
        lines = [
            "Plastic toy, age 3+, needs 2 × AAA batteries (not included).",
            "Not a real phone – no SIM card, cannot make calls.",
        ]
    return ListingText(
        title, "\n".join(lines), {"Type": "Toy", "Age": "3+"}, None, "toys", rng.uniform(3, 12)
    )


def keyfob_cover(rng: random.Random, lang: str) -> ListingText:
    car = rng.choice(CAR_BRANDS)
    buttons = rng.choice((2, 3))
    if lang == "fr":
        title = f"Coque de clé de voiture pour {car} {buttons} boutons – housse silicone"
        lines = [f"Protège votre clé télécommande {car}.", "Clé non fournie. Pas un téléphone."]
    else:
        title = rng.choice(
            (
                f"Silicone key fob cover for {car} {buttons}-button car key",
                f"Car key shell case for {car} remote key – replacement housing",
            )
        )
        lines = [f"Protective cover for {car} remote keys.", "Key not included. Not a phone."]
    return ListingText(
        title,
        "\n".join(lines),
        {"Type": "Key cover", "Car make": car},
        None,
        "car-accessories",
        rng.uniform(3, 10),
    )


def earpiece(rng: random.Random, lang: str) -> ListingText:
    hours = rng.choice((4, 6, 8))
    if lang == "fr":
        title = "Oreillette Bluetooth mini – kit mains libres pour téléphone"
        lines = [
            "Se connecte à votre smartphone en Bluetooth 5.0.",
            "Pas de carte SIM : ce n'est pas un téléphone.",
            f"Autonomie : {hours} h",
        ]
    else:
        title = rng.choice(
            (
                "Mini Bluetooth earpiece – invisible hands-free headset for phone",
                f"Bluetooth 5.0 mini earbud, wireless, {hours} h talk time",
            )
        )
        lines = [
            "Pairs with your smartphone over Bluetooth 5.0.",
            "No SIM card slot – this is not a phone.",
            f"Talk time: {hours} h",
            "Battery: 60 mAh",
        ]
    return ListingText(
        title,
        "\n".join(lines),
        {"Type": "Earpiece", "Connectivity": "Bluetooth"},
        None,
        "audio",
        rng.uniform(6, 20),
    )


_SMALL_PHONES = {
    "en": (
        (
            "Nokia 105 dual SIM phone – black, unlocked",
            "Nokia",
            ('1.8" colour screen, 800 mAh battery, FM radio.', "Size: 115 x 50 x 15 mm, 73g"),
        ),
        (
            "Senior mobile phone with big buttons and SOS key",
            "Unbranded",
            ("Big buttons, SOS emergency button, charging cradle.", "Screen: 2.4 inch"),
        ),
        (
            "Unihertz Jelly 2 – 3 inch 4G Android smartphone",
            "Unihertz",
            ("Android 10, 3-inch screen, 6 GB RAM, 4G LTE.", "Battery: 2000 mAh"),
        ),
    ),
    "fr": (
        (
            "Nokia 105 double SIM noir – débloqué",
            "Nokia",
            ('Écran couleur 1,8", batterie 800 mAh, radio FM.', "Dimensions : 115 x 50 x 15 mm"),
        ),
        (
            "Téléphone senior grosses touches – touche SOS",
            "Unbranded",
            ("Grosses touches, touche SOS, socle de charge.", "Écran : 2,4 pouces"),
        ),
    ),
}


def small_phone(rng: random.Random, lang: str) -> ListingText:
    title, brand, lines = rng.choice(_SMALL_PHONES[lang])
    return ListingText(
        title,
        "\n".join(lines),
        {"Brand": brand, "Type": "Mobile phone"},
        None,
        "phones",
        rng.uniform(20, 150),
        brand=brand,
    )


def model_collision(rng: random.Random, lang: str) -> ListingText:
    if rng.random() < 0.6:
        title = (
            "Batterie Xiaomi BM50 pour Mi Max 2 – 5300 mAh"
            if lang == "fr"
            else "Xiaomi BM50 battery for Mi Max 2 – 5300 mAh replacement"
        )
        lines = ["Li-ion 3.85 V, 5300 mAh.", "Xiaomi Mi Max 2 only."]
        return ListingText(
            title,
            "\n".join(lines),
            {"Brand": "Xiaomi", "Type": "Battery"},
            None,
            "accessories",
            rng.uniform(10, 20),
            brand="Xiaomi",
        )
    title = (
        "Samsung Galaxy J8 32 Go noir – smartphone"
        if lang == "fr"
        else "Samsung Galaxy J8 (2018) 32GB black – Android smartphone"
    )
    lines = ['6" Super AMOLED, 3500 mAh, 4G, dual SIM.', "Android 8."]
    return ListingText(
        title,
        "\n".join(lines),
        {"Brand": "Samsung", "Model": "Galaxy J8"},
        None,
        "smartphones",
        rng.uniform(60, 140),
        brand="Samsung",
    )


def gps_tracker(rng: random.Random, lang: str) -> ListingText:
    if lang == "fr":
        title = "Mini traceur GPS avec carte SIM – suivi en temps réel"
        lines = [
            "Traceur GPS/GSM pour voiture, enfants, animaux.",
            "Insérez une carte SIM, recevez la position par SMS.",
            "Batterie : 1000 mAh",
        ]
    else:
        title = "Mini GPS tracker with SIM card slot – real-time tracking, voice monitoring"
        lines = [
            "GPS/GSM tracker for cars, kids and pets. Magnet mount.",
            "Insert a SIM card and get the location by SMS.",
            "Battery: 1000 mAh",
        ]
    return ListingText(title, "\n".join(lines), {"Type": "GPS tracker"}, None, "gadgets", rng.uniform(12, 30))


def spy_camera(rng: random.Random, lang: str) -> ListingText:
    title = (
        "Porte-clés caméra espion 1080p – mini caméra"
        if lang == "fr"
        else "Key fob spy camera 1080p – mini camera keychain"
    )
    lines = ["1080p video, 32 GB microSD.", "Camera only, no SIM card, no calls."]
    return ListingText(title, "\n".join(lines), {"Type": "Camera"}, None, "gadgets", rng.uniform(12, 35))


_ORDINARY = {
    "en": (
        ("USB-C fast charging cable 1 m", "Braided cable, 3 A."),
        ("Mini Bluetooth speaker, waterproof", "5 W, 8 h playback."),
        ("Lipstick power bank 2600 mAh", "Slim power bank for your phone."),
        ("USB flash drive 32 GB mini", "USB 3.0 thumb drive."),
        ("Handheld metal detector wand for security checks", "Security scanner, 9 V."),
    ),
    "fr": (
        ("Câble de charge USB-C 1 m", "Câble tressé, 3 A."),
        ("Mini enceinte Bluetooth étanche", "5 W, 8 h d'autonomie."),
        ("Batterie externe rouge à lèvres 2600 mAh", "Petite batterie pour téléphone."),
    ),
}


def ordinary(rng: random.Random, lang: str) -> ListingText:
    title, detail = rng.choice(_ORDINARY[lang])
    return ListingText(title, detail, {"Condition": "New"}, None, "gadgets", rng.uniform(4, 25))


NEGATIVE_WRITERS: dict[str, Callable[[random.Random, str], ListingText]] = {
    "hard-negative:smartphone-mini": smartphone_mini,
    "hard-negative:accessory": accessory,
    "hard-negative:toy": toy,
    "hard-negative:keyfob-cover": keyfob_cover,
    "hard-negative:earpiece": earpiece,
    "hard-negative:small-phone": small_phone,
    "hard-negative:model-collision": model_collision,
    "hard-negative:gps-tracker": gps_tracker,
    "hard-negative:spy-camera": spy_camera,
    "negative:ordinary": ordinary,
}
