"""The sandbox's product photos: deterministic "stock photos" drawn with Pillow, reused across
listings, sellers and sites, each copy transformed the way resellers' copies are.

Marketplace sellers reuse a few photos of a device (the maker's stock shots, or their own shots
reused across their listings), re-uploaded, so each copy is resized, recompressed, cropped a
little or recoloured. The sandbox mirrors that: every photo is named by a key, either a stock
photo of a product group (``stock/<group>/<n>``: the device family for mini phones, the kind
for everything else, so an unnamed listing shows the same photo as a named one) or a seller's
own photo of that group (``seller/<site>/<seller>/<group>/<n>``). A listing's image is a
`PhotoRef`: a key and one of `VARIANTS` transformations (variant 0 is the untouched photo).
Listings whose refs share a key show the same photo: that is the ground truth
(`photo_sharing`) that near-duplicate image search is tested against.

Serving cost matters (the crawl benchmark serves thousands of images): the photos are small,
drawn from shapes, and both drawings and encoded JPEG variants are cached, so the set of
distinct bytes is bounded by keys × `VARIANTS`.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from PIL import Image, ImageDraw, ImageEnhance

from sandbox.devices import MINI_PHONES

SIZE = (320, 240)
VARIANTS = 6
STOCK_PHOTOS_PER_GROUP = 3
SELLER_PHOTOS_PER_GROUP = 2
# Chance that the image at a position is a stock photo rather than the seller's own.
STOCK_SHARE = {1: 0.7}
STOCK_SHARE_LATER = 0.3
MAX_CROP = 0.015  # of each side: pHash moves ~1 bit per % cropped off one side
MEDIA_TYPE = "image/jpeg"
UNNAMED_FAMILY = "generic"  # what sandbox.texts gives unnamed mini phones
NAMED_FAMILIES = tuple(sorted({phone.family for phone in MINI_PHONES}))


Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True, slots=True, order=True)
class PhotoRef:
    """One listing image: which photo (`key`) and which transformed copy of it (`variant`)."""

    key: str
    variant: int


def listing_photos(
    seed: int, site: str, listing_id: str, seller_id: str, family: str | None, kind: str, count: int
) -> tuple[PhotoRef, ...]:
    """The `count` photos of one listing, distinct, the same for the same arguments.

    The product group is the device family, or the kind when there is none; an unnamed mini
    phone shows the photos of one of the named models (the same device under another name).
    Drawn from their own random stream, so adding photos changed nothing else in the catalogue.
    """
    rng = random.Random(f"{seed}-{site}-{listing_id}-photos")
    group = family or kind
    if group == UNNAMED_FAMILY:
        group = rng.choice(NAMED_FAMILIES)
    chosen: list[PhotoRef] = []
    keys: set[str] = set()
    for position in range(1, count + 1):
        while True:
            if rng.random() < STOCK_SHARE.get(position, STOCK_SHARE_LATER):
                key = f"stock/{group}/{rng.randrange(STOCK_PHOTOS_PER_GROUP)}"
            else:
                key = f"seller/{site}/{seller_id}/{group}/{rng.randrange(SELLER_PHOTOS_PER_GROUP)}"
            if key not in keys:
                break
        keys.add(key)
        chosen.append(PhotoRef(key, rng.randrange(VARIANTS)))
    return tuple(chosen)


def photo_sharing(photos: Mapping[Key, Iterable[PhotoRef]]) -> dict[Key, frozenset[Key]]:
    """Listing -> the other listings showing one of its photos (from listing -> its `PhotoRef`s)."""
    by_key: dict[str, set[Key]] = {}
    for listing, refs in photos.items():
        for ref in refs:
            by_key.setdefault(ref.key, set()).add(listing)
    return {
        listing: frozenset(other for ref in refs for other in by_key[ref.key] if other != listing)
        for listing, refs in photos.items()
    }


@lru_cache(maxsize=128)  # 230 kB each
def draw_photo(key: str) -> Image.Image:
    """The untouched photo named `key` (RGB, `SIZE`): a mini phone on a surface with props."""
    rng = random.Random(key)
    width, height = SIZE
    image = _background(rng)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(6, 10)):  # props: coins, cards, cables, boxes
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randint(40, 200), rng.randint(30, 160)
        colour = _dark(rng) if rng.random() < 0.5 else _light(rng)
        if rng.random() < 0.5:
            draw.ellipse((x - w // 2, y - h // 2, x + w // 2, y + h // 2), fill=colour)
        else:
            draw.rounded_rectangle((x - w // 2, y - h // 2, x + w // 2, y + h // 2), 12, fill=colour)
    phone = _phone(rng)
    phone = phone.rotate(rng.uniform(-40, 40), resample=Image.Resampling.BILINEAR, expand=True)
    x = rng.randint(-phone.width // 4, width - phone.width * 3 // 4)
    y = rng.randint(-phone.height // 6, max(0, height - phone.height * 5 // 6))
    image.paste(phone, (x, y), phone)
    return image


def _colour(rng: random.Random, low: int = 0, high: int = 255) -> tuple[int, int, int]:
    """A random colour whose channels lie in ``low..high`` (so its brightness does too)."""
    return rng.randint(low, high), rng.randint(low, high), rng.randint(low, high)


def _dark(rng: random.Random) -> tuple[int, int, int]:
    return _colour(rng, 0, 90)


def _light(rng: random.Random) -> tuple[int, int, int]:
    return _colour(rng, 150, 255)


def _background(rng: random.Random) -> Image.Image:
    """Two colours blended along a gradient of random direction, a table edge across it."""
    width, height = SIZE
    # Strong light/dark contrasts make the low frequencies that pHash keeps stand far from their
    # median, so a copy's small crop or recolouring flips few bits (as with real product shots).
    mask = _gradient(rng.uniform(0, 2 * math.pi))
    image = Image.composite(Image.new("RGB", SIZE, _dark(rng)), Image.new("RGB", SIZE, _light(rng)), mask)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(1, 3)):  # a table edge, a wall, a shadow: large areas
        corners = [(rng.randint(-width // 2, width * 3 // 2), rng.randint(-height // 2, height * 3 // 2))]
        corners += [(rng.randint(0, width), rng.randint(0, height)) for _ in range(3)]
        draw.polygon(corners, fill=_dark(rng) if rng.random() < 0.5 else _light(rng))
    return image


def _gradient(angle: float) -> Image.Image:
    """A 0..255 ramp across `SIZE` along `angle` (drawn small and scaled up: cheap)."""
    columns, rows = 16, 12
    dx, dy = math.cos(angle), math.sin(angle)
    ramp = [
        (x / (columns - 1) - 0.5) * dx + (y / (rows - 1) - 0.5) * dy
        for y in range(rows)
        for x in range(columns)
    ]
    low, high = min(ramp), max(ramp)
    values = bytes(round(255 * (value - low) / (high - low)) for value in ramp)
    return Image.frombytes("L", (columns, rows), values).resize(SIZE, Image.Resampling.BILINEAR)


def _phone(rng: random.Random) -> Image.Image:
    """A candy-bar mini phone (body, screen, keypad) on a transparent layer."""
    width = rng.randint(70, 150)
    height = int(width * rng.uniform(1.8, 2.6))
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    draw.rounded_rectangle((0, 0, width - 1, height - 1), width // 5, fill=(*_colour(rng), 255))
    margin = width // 8
    screen_bottom = int(height * rng.uniform(0.3, 0.45))
    draw.rectangle((margin, margin, width - margin, screen_bottom), fill=(*_colour(rng), 255))
    key_colour = (*_colour(rng), 255)
    rows, columns = 4, 3
    key_w = (width - 2 * margin) / columns
    key_h = (height - screen_bottom - 2 * margin) / rows
    for row in range(rows):
        for column in range(columns):
            left = margin + column * key_w + 2
            top = screen_bottom + margin + row * key_h + 2
            draw.rounded_rectangle((left, top, left + key_w - 4, top + key_h - 4), 4, fill=key_colour)
    return layer


@lru_cache(maxsize=4096)  # 5-12 kB each
def photo_jpeg(ref: PhotoRef) -> bytes:
    """The JPEG bytes of `ref`: variant 0 as drawn, others resized, cropped, recoloured, recompressed."""
    image = draw_photo(ref.key)
    quality = 88
    if ref.variant:
        rng = random.Random(f"{ref.key}#{ref.variant}")
        image = transform(
            image,
            crop=(
                rng.uniform(0, MAX_CROP),
                rng.uniform(0, MAX_CROP),
                rng.uniform(0, MAX_CROP),
                rng.uniform(0, MAX_CROP),
            ),
            scale=rng.uniform(0.55, 1.0),
            brightness=rng.uniform(0.9, 1.1),
            saturation=rng.uniform(0.7, 1.3),
        )
        quality = rng.randint(55, 90)
    return encode_jpeg(image, quality)


def transform(
    image: Image.Image,
    *,
    crop: tuple[float, float, float, float] = (0, 0, 0, 0),
    scale: float = 1.0,
    brightness: float = 1.0,
    saturation: float = 1.0,
) -> Image.Image:
    """`image` cropped (fractions of left, top, right, bottom), scaled and recoloured."""
    width, height = image.size
    left, top, right, bottom = crop
    image = image.crop(
        (round(width * left), round(height * top), round(width * (1 - right)), round(height * (1 - bottom)))
    )
    if scale != 1.0:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    if brightness != 1.0:
        image = ImageEnhance.Brightness(image).enhance(brightness)
    if saturation != 1.0:
        image = ImageEnhance.Color(image).enhance(saturation)
    return image


def encode_jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
