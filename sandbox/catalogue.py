"""The sandbox's listings: a deterministic catalogue generated from a seed, with ground truth.

`generate_catalogue(seed, listings)` draws every listing from one ``random.Random(seed)``
stream, so the same seed always yields the same catalogue (ids, texts, prices, sellers), and
each listing carries its truth: `is_hit` (it sells a contraband-type mini phone), `kind`
(what it really is; see `sandbox.texts.KINDS`) and `photos` (which photo each image shows, so
which listings share one; see `sandbox.photos`).
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sandbox.photos import PhotoRef, listing_photos
from sandbox.texts import KINDS, LANGUAGE_WEIGHTS, write_listing

DEFAULT_SEED = 2025
DEFAULT_LISTINGS = 150
SITES: tuple[str, ...] = ("bazaar", "jsmarket", "shop")
SITE_WEIGHTS: tuple[float, ...] = (50, 30, 20)

_RATES = {"EUR": Decimal("1"), "GBP": Decimal("0.85"), "USD": Decimal("1.08"), "PLN": Decimal("4.3")}
_SHIP_FROM = {
    "en": ("China", "Hong Kong", "United Kingdom", "United States"),
    "fr": ("France", "China"),
    "de": ("Germany", "China"),
    "es": ("Spain", "China"),
    "it": ("Italy", "China"),
}
_SELLER_PARTS = (
    ("mini", "gadget", "tech", "smart", "euro", "best", "top", "happy", "nova", "boutique"),
    ("store", "shop", "deals", "world", "mall", "outlet", "trade", "market"),
)


@dataclass(frozen=True, slots=True)
class SandboxListing:
    """One listing of the sandbox, as its site shows it, and the truth about it."""

    id: str
    site: str
    title: str
    description: str
    price: Decimal
    currency: str
    price_display: str
    seller_id: str
    seller_name: str
    image_urls: tuple[str, ...]  # root-relative paths served by the sandbox
    photos: tuple[PhotoRef, ...]  # what each of image_urls shows (see sandbox.photos)
    ship_from: str
    attributes: Mapping[str, str]
    language: str
    is_hit: bool
    kind: str
    family: str | None
    category: str
    slug: str

    @property
    def path(self) -> str:
        """Root-relative path of the listing's own page on its site."""
        if self.site == "shop":
            return f"/shop/product/{self.slug}"
        return f"/{self.site}/item/{self.id}"


def slugify(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def format_price(amount: Decimal, currency: str, site: str) -> str:
    """The price as `site` displays it: bazaar ``19,99 €``/``£19.99``/``US $12.49``..."""
    dot = f"{amount:,.2f}"  # 1,299.00
    comma = dot.replace(",", " ").replace(".", ",")  # 1 299,00
    if currency == "GBP":
        return f"£{dot}"
    if currency == "USD":
        return f"${dot}" if site == "shop" else f"US ${dot}"
    if currency == "PLN":
        return f"PLN {dot}" if site == "shop" else f"{comma} zł"
    if site == "shop":
        return f"€{dot}"
    if site == "jsmarket":
        return f"€ {comma}"
    return f"{comma} €"


def _currency(rng: random.Random, site: str, lang: str) -> str:
    if lang == "en":
        if site == "bazaar":
            return rng.choices(("GBP", "USD", "PLN"), (45, 45, 10))[0]
        return rng.choice(("USD", "GBP"))
    if site == "jsmarket" and rng.random() < 0.3:
        return "USD"
    return "EUR"


def _price(rng: random.Random, base_eur: float, currency: str) -> Decimal:
    whole = max(1, int(Decimal(str(round(base_eur, 2))) * _RATES[currency]))
    return Decimal(f"{whole}.{rng.choice(('99', '49', '00', '90'))}")


def _sellers(seed: int, site: str, count: int) -> list[tuple[str, str]]:
    rng = random.Random(f"{seed}-{site}-sellers")
    sellers: dict[str, str] = {}
    while len(sellers) < count:
        first, second = rng.choice(_SELLER_PARTS[0]), rng.choice(_SELLER_PARTS[1])
        number = rng.randint(1, 999)
        sellers.setdefault(
            f"{first}_{second}{number}", f"{first.capitalize()} {second.capitalize()} {number}"
        )
    return sorted(sellers.items())


def _new_id(rng: random.Random, site: str, seen: set[str]) -> str:
    while True:
        if site == "bazaar":
            candidate = str(rng.randrange(10**11, 10**12))
        elif site == "jsmarket":
            candidate = str(rng.randrange(10**15, 10**16))
        else:
            candidate = f"TW{rng.randrange(10**6, 10**7)}"
        if candidate not in seen:
            seen.add(candidate)
            return candidate


def _image_paths(site: str, listing_id: str, slug: str, count: int) -> tuple[str, ...]:
    """The listing's photo URLs; each site routes them back to `SandboxListing.photos`."""
    if site == "bazaar":
        return tuple(f"/bazaar/img/{listing_id}-{n}.jpg" for n in range(1, count + 1))
    if site == "jsmarket":
        return tuple(f"/jsmarket/img/{listing_id}/{n}.jpg" for n in range(1, count + 1))
    return tuple(f"/shop/media/{slug}-{n}.jpg" for n in range(1, count + 1))


def generate_catalogue(seed: int = DEFAULT_SEED, listings: int = DEFAULT_LISTINGS) -> list[SandboxListing]:
    """`listings` listings spread over `SITES` (about 50/30/20), the same for the same seed."""
    if listings < 0:
        raise ValueError("listings must be >= 0")
    rng = random.Random(seed)
    sellers = {site: _sellers(seed, site, max(8, listings // 30)) for site in SITES}
    kinds = list(KINDS)
    kind_weights = [KINDS[kind][0] for kind in kinds]
    seen: set[str] = set()
    catalogue: list[SandboxListing] = []
    for _ in range(listings):
        site = rng.choices(SITES, SITE_WEIGHTS)[0]
        kind = rng.choices(kinds, kind_weights)[0]
        languages = KINDS[kind][2]
        lang = rng.choices(languages, [LANGUAGE_WEIGHTS[code] for code in languages])[0]
        text = write_listing(rng, kind, lang)
        currency = _currency(rng, site, lang)
        price = _price(rng, text.base_price_eur, currency)
        seller_id, seller_name = rng.choice(sellers[site])
        ship_from = "Poland" if currency == "PLN" else rng.choice(_SHIP_FROM[lang])
        listing_id = _new_id(rng, site, seen)
        slug = f"{slugify(text.title)[:50].strip('-')}-{listing_id.lower()}"
        images = _image_paths(site, listing_id, slug, rng.randint(1, 3))
        photos = listing_photos(seed, site, listing_id, seller_id, text.family, kind, len(images))
        catalogue.append(
            SandboxListing(
                id=listing_id,
                site=site,
                title=text.title,
                description=text.description,
                price=price,
                currency=currency,
                price_display=format_price(price, currency, site),
                seller_id=seller_id,
                seller_name=seller_name,
                image_urls=images,
                photos=photos,
                ship_from=ship_from,
                attributes=dict(text.attributes),
                language=lang,
                is_hit=KINDS[kind][1],
                kind=kind,
                family=text.family,
                category=text.category,
                slug=slug,
            )
        )
    return catalogue
