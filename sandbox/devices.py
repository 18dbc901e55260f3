"""Device facts and vocabulary the sandbox's listing texts are built from, and `ListingText`.

The figures follow ``shared/realpages/MINIPHONE_FACTS.md``: where the facts file has a sourced
value (BM10 68×28×13 mm and 350 mAh, Zanco tiny t1 46.7×21×12 mm, 13 g, 200 mAh, Long-CZ J8
68×23×11 mm, 18 g) it is used as is; models without sourced specs (BM30, BM70, BM90, BM50) get
no dimensions at all rather than invented ones.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class ListingText:
    """What a kind writer produces for one listing."""

    title: str
    description: str
    attributes: dict[str, str]
    family: str | None
    category: str
    base_price_eur: float
    brand: str = "Unbranded"


@dataclass(frozen=True, slots=True)
class MiniPhone:
    """A contraband-type mini phone model as sellers describe it."""

    family: str
    names: tuple[str, ...]  # spellings sellers use; the first is the usual one
    brand: str
    dims_mm: tuple[float, float, float] | None
    weight_g: int | None
    battery_mah: int | None
    network: str
    sim: str
    screen: str | None
    extras: tuple[str, ...]
    base_price_eur: tuple[int, int]


MINI_PHONES: tuple[MiniPhone, ...] = (
    MiniPhone(
        "zanco-tiny-t1",
        ("Zanco tiny t1", "ZANCO Tiny T1", "Zanco T1 tiny"),
        "Zanco",
        (46.7, 21, 12),
        13,
        200,
        "GSM 850/900/1800/1900 (2G)",
        "nano-SIM",
        '0.49" OLED 64×32',
        ("MTK6261D", "300 contacts"),
        (30, 55),
    ),
    MiniPhone(
        "zanco-tiny-t2",
        ("Zanco tiny t2", "ZANCO Tiny T2"),
        "Zanco",
        (61, 30, 16.5),
        31,
        500,
        "3G",
        "single SIM",
        '1" TFT 128×96',
        ("MT6276A", "0.3 MP camera", "Bluetooth 3.0"),
        (45, 70),
    ),
    MiniPhone(
        "zanco-fly",
        ("Zanco Fly", "ZANCO FLY"),
        "Zanco",
        None,
        20,
        None,
        "GSM 2G",
        "single SIM",
        '0.66"',
        ("Bluetooth",),
        (25, 40),
    ),
    MiniPhone(
        "bm10",
        ("L8star BM10", "L8STAR BM10", "BM10"),
        "L8star",
        (68, 28, 13),
        None,
        350,
        "GSM 2G",
        "dual SIM",
        None,
        ("voice changer", "FM radio", "MP3"),
        (12, 30),
    ),
    MiniPhone(
        "bm30",
        ("L8star BM30", "BM30"),
        "L8star",
        None,
        None,
        None,
        "GSM 2G",
        "single SIM",
        None,
        ("Bluetooth dialer",),
        (12, 25),
    ),
    MiniPhone(
        "bm50",
        ("GTStar BM50", "GTSTAR BM50"),
        "GTStar",
        None,
        None,
        None,
        "GSM",
        "single SIM",
        None,
        ("Bluetooth earphone dialer", "ear hook", "hands-free"),
        (12, 25),
    ),
    MiniPhone(
        "bm70",
        ("L8star BM70", "BM70"),
        "L8star",
        None,
        None,
        None,
        "GSM 2G",
        "single SIM",
        None,
        ("Bluetooth dialer",),
        (15, 30),
    ),
    MiniPhone(
        "bm90",
        ("L8star BM90", "BM90"),
        "L8star",
        None,
        None,
        None,
        "GSM 2G",
        "single SIM",
        None,
        ("Bluetooth dialer",),
        (15, 30),
    ),
    MiniPhone(
        "long-cz-j8",
        ("Long-CZ J8", "LONG-CZ J8", "Long CZ J8"),
        "LONG-CZ",
        (68, 23, 11),
        18,
        None,
        "GSM 850/900/1800/1900",
        "micro-SIM",
        '0.6" OLED 64×48',
        ("Bluetooth 3.0", "plastic body", "ear hook"),
        (25, 40),
    ),
)

# Spec-block labels, in the listing's language.
SPEC_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "model": "Model",
        "size": "Size",
        "weight": "Weight",
        "battery": "Battery",
        "network": "Network",
        "sim": "SIM",
        "screen": "Screen",
        "body": "Body",
    },
    "fr": {
        "model": "Modèle",
        "size": "Dimensions",
        "weight": "Poids",
        "battery": "Batterie",
        "network": "Réseau",
        "sim": "Carte SIM",
        "screen": "Écran",
        "body": "Matière",
    },
    "de": {
        "model": "Modell",
        "size": "Maße",
        "weight": "Gewicht",
        "battery": "Akku",
        "network": "Netz",
        "sim": "SIM",
        "screen": "Display",
        "body": "Gehäuse",
    },
    "es": {
        "model": "Modelo",
        "size": "Medidas",
        "weight": "Peso",
        "battery": "Batería",
        "network": "Red",
        "sim": "SIM",
        "screen": "Pantalla",
        "body": "Material",
    },
    "it": {
        "model": "Modello",
        "size": "Dimensioni",
        "weight": "Peso",
        "battery": "Batteria",
        "network": "Rete",
        "sim": "SIM",
        "screen": "Schermo",
        "body": "Materiale",
    },
}

# How each language calls a mini phone (used in positive titles and accessory titles).
MINI_PHONE_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("mini phone", "mini mobile phone", "thumb phone", "tiny mobile phone"),
    "fr": ("mini téléphone", "mini téléphone portable", "téléphone miniature"),
    "de": ("Mini Handy", "Minihandy", "kleines Mini Handy"),
    "es": ("mini teléfono", "mini teléfono móvil", "móvil en miniatura"),
    "it": ("mini cellulare", "mini telefono", "telefono in miniatura"),
}

SMALLEST: dict[str, tuple[str, ...]] = {
    "en": ("Smallest GSM Phone", "World's Smallest Phone", "Smallest Mobile Phone"),
    "fr": ("le plus petit téléphone du monde", "le plus petit GSM", "ultra compact"),
    "de": ("kleinstes Handy der Welt", "kleinstes Handy", "ultrakompakt"),
    "es": ("el teléfono más pequeño del mundo", "el móvil más pequeño"),
    "it": ("il telefono più piccolo del mondo", "il cellulare più piccolo"),
}

# Claims that mark the contraband type (plastic body, no metal, undetectable, easy to hide).
RISK_CLAIMS: dict[str, tuple[str, ...]] = {
    "en": (
        "Plastic body, very low metal content.",
        "Undetectable by metal detectors.",
        "Size of a lighter, fits anywhere, easy to hide.",
        "No metal parts.",
    ),
    "fr": (
        "Coque en plastique, quasiment sans métal.",
        "Indétectable aux portiques.",
        "Taille d'un briquet, se glisse partout.",
        "Aucune pièce métallique.",
    ),
    "de": ("Gehäuse aus Kunststoff, fast kein Metall.", "Passt überall hin, leicht zu verstecken."),
    "es": ("Cuerpo de plástico, sin metal.", "Indetectable, cabe en cualquier sitio."),
    "it": ("Corpo in plastica, senza metallo.", "Non rilevabile dai metal detector."),
}

COLOURS: dict[str, tuple[str, ...]] = {
    "en": ("black", "white", "blue", "red", "pink", "gold"),
    "fr": ("noir", "blanc", "bleu", "rouge", "rose", "doré"),
    "de": ("schwarz", "weiß", "blau", "rot", "rosa", "gold"),
    "es": ("negro", "blanco", "azul", "rojo", "rosa", "dorado"),
    "it": ("nero", "bianco", "blu", "rosso", "rosa", "oro"),
}

CAR_BRANDS: tuple[str, ...] = ("BMW", "Audi", "Porsche", "Ferrari", "Mercedes", "Peugeot", "VW")


def format_dims(dims: tuple[float, float, float], lang: str, style: int) -> str:
    """Dimensions the way sellers write them: ``68*28*13mm``, ``68 x 28 x 13 mm``, ``6,8 x 2,8 x 1,3 cm``."""

    def num(value: float) -> str:
        text = f"{value:g}"
        return text if lang == "en" else text.replace(".", ",")

    if style == 0:
        return "*".join(num(v) for v in dims) + "mm"
    if style == 1:
        return " x ".join(num(v) for v in dims) + " mm"
    if style == 2:
        return " x ".join(num(round(v / 10, 2)) for v in dims) + " cm"
    return "×".join(num(v) for v in dims) + " mm"


def format_weight(grams: int, lang: str) -> str:
    return f"{grams} g" if lang != "en" else f"{grams}g"
