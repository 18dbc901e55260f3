"""Perceptual hashes of listing images: copies of a photo stay close, different photos far apart,
bad bytes are reported; image rows are upserted idempotently and near-identical images found
(SQLite and, when configured, PostgreSQL); the sandbox's photos keep their ground truth."""

from __future__ import annotations

import io
import itertools
import struct
import zlib
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageEnhance, ImageOps
from scrapy.settings import Settings
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from crawler.config import get_settings
from crawler.images import ImageFetchSettings
from evidence.images import (
    ImageDecodeError,
    close_pairs,
    distances_to,
    fingerprint_image,
    hamming_distance,
    hash_array,
)
from sandbox import generate_catalogue
from sandbox.photos import PhotoRef, draw_photo, photo_jpeg, photo_sharing
from storage import session_factory, upgrade_database
from storage.images import (
    ImageRecord,
    UnknownListing,
    hashed_image_urls,
    image_groups,
    similar_listings,
    upsert_listing_images,
)
from storage.models import ListingImage
from storage.repository import store_listings
from tests.factories import T0, make_item

PHOTOS = [f"stock/test/{n}" for n in range(24)]


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def crop(left: float, top: float, right: float, bottom: float) -> Callable[[Image.Image], Image.Image]:
    def apply(image: Image.Image) -> Image.Image:
        w, h = image.size
        return image.crop((round(w * left), round(h * top), round(w * (1 - right)), round(h * (1 - bottom))))

    return apply


def resize(factor: float) -> Callable[[Image.Image], Image.Image]:
    return lambda image: image.resize((round(image.width * factor), round(image.height * factor)))


def enhance(
    kind: Callable[[Image.Image], ImageEnhance._Enhance], factor: float
) -> Callable[[Image.Image], Image.Image]:
    return lambda image: kind(image).enhance(factor)


TRANSFORMATIONS: dict[str, tuple[Callable[[Image.Image], Image.Image], int]] = {
    # name: (transformation, JPEG quality of the copy)
    "recompressed q35": (lambda image: image, 35),
    "halved": (resize(0.5), 85),
    "enlarged 1.6x": (resize(1.6), 85),
    "cropped 2% left": (crop(0.02, 0, 0, 0), 90),
    "cropped 1.5% each side": (crop(0.015, 0.015, 0.015, 0.015), 90),
    "darker 15%": (enhance(ImageEnhance.Brightness, 0.85), 90),
    "brighter 15%": (enhance(ImageEnhance.Brightness, 1.15), 90),
    "desaturated": (enhance(ImageEnhance.Color, 0.5), 90),
    "oversaturated": (enhance(ImageEnhance.Color, 1.5), 90),
    "more contrast": (enhance(ImageEnhance.Contrast, 1.2), 90),
    "greyscale": (ImageOps.grayscale, 90),
    "resized, cropped, recoloured, q60": (
        lambda image: enhance(ImageEnhance.Color, 1.3)(
            enhance(ImageEnhance.Brightness, 1.1)(resize(0.6)(crop(0.01, 0.015, 0.0, 0.01)(image)))
        ),
        60,
    ),
}


@pytest.fixture(scope="module")
def originals() -> dict[str, str]:
    return {key: fingerprint_image(jpeg(draw_photo(key))).phash for key in PHOTOS}


@pytest.mark.parametrize("name", sorted(TRANSFORMATIONS))
def test_a_transformed_copy_stays_within_the_default_distance(name: str, originals: dict[str, str]) -> None:
    transformation, quality = TRANSFORMATIONS[name]
    threshold = get_settings().image_max_distance
    distances = [
        hamming_distance(
            originals[key], fingerprint_image(jpeg(transformation(draw_photo(key)), quality)).phash
        )
        for key in PHOTOS
    ]
    assert max(distances) <= threshold, distances


def test_different_photos_are_further_apart_than_the_default_distance(originals: dict[str, str]) -> None:
    threshold = get_settings().image_max_distance
    closest = min(hamming_distance(a, b) for a, b in itertools.combinations(originals.values(), 2))
    assert closest > threshold + 2


def test_cropping_much_more_is_beyond_what_phash_tolerates(originals: dict[str, str]) -> None:
    # The documented limit: pHash is not crop-invariant; 5% off every side moves many bits.
    threshold = get_settings().image_max_distance
    far = [
        key
        for key in PHOTOS
        if hamming_distance(
            originals[key], fingerprint_image(jpeg(crop(0.05, 0.05, 0.05, 0.05)(draw_photo(key)))).phash
        )
        > threshold
    ]
    assert far


def test_fingerprint_reads_size_type_and_sha256() -> None:
    import hashlib

    data = jpeg(draw_photo(PHOTOS[0]))
    fingerprint = fingerprint_image(data)
    assert (fingerprint.width, fingerprint.height, fingerprint.media_type) == (320, 240, "image/jpeg")
    assert fingerprint.sha256 == hashlib.sha256(data).hexdigest()
    assert len(fingerprint.phash) == 16 and int(fingerprint.phash, 16) >= 0


@pytest.mark.parametrize(
    ("mode", "fmt", "media_type"),
    [("RGBA", "PNG", "image/png"), ("P", "GIF", "image/gif"), ("L", "WEBP", "image/webp")],
)
def test_other_formats_and_modes_hash_like_the_jpeg(mode: str, fmt: str, media_type: str) -> None:
    photo = draw_photo(PHOTOS[1])
    buffer = io.BytesIO()
    photo.convert(mode).save(buffer, fmt)
    fingerprint = fingerprint_image(buffer.getvalue())
    assert fingerprint.media_type == media_type
    assert hamming_distance(fingerprint.phash, fingerprint_image(jpeg(photo)).phash) <= 4


def test_exif_orientation_is_applied_before_hashing() -> None:
    photo = draw_photo(PHOTOS[2])
    stored_sideways = photo.transpose(Image.Transpose.ROTATE_90)  # a camera's raw sensor order
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    buffer = io.BytesIO()
    stored_sideways.save(buffer, "JPEG", quality=90, exif=exif)
    fingerprint = fingerprint_image(buffer.getvalue())
    assert (fingerprint.width, fingerprint.height) == photo.size
    assert hamming_distance(fingerprint.phash, fingerprint_image(jpeg(photo)).phash) <= 4


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares `width` x `height` pixels (and holds almost none)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty body"),
        (b"<!DOCTYPE html><html><body>404 Not Found</body></html>", "cannot identify image file"),
        (jpeg(draw_photo("stock/test/0"))[:600], "OSError"),
        (png_header(7000, 7000), "7000x7000 pixels is more than 40000000"),
        (png_header(100_000, 100_000), "decompression bomb"),
    ],
    ids=["empty", "html", "truncated", "too-many-pixels", "bomb"],
)
def test_undecodable_bytes_raise_a_clear_decode_error(data: bytes, message: str) -> None:
    with pytest.raises(ImageDecodeError, match=message):
        fingerprint_image(data)


hashes64 = st.integers(min_value=0, max_value=2**64 - 1).map(lambda n: f"{n:016x}")


@given(st.lists(hashes64, min_size=0, max_size=40), st.integers(min_value=0, max_value=64))
def test_vectorised_pairs_equal_the_pairwise_reference(phashes: list[str], max_distance: int) -> None:
    expected = {
        (i, j, hamming_distance(phashes[i], phashes[j]))
        for i, j in itertools.combinations(range(len(phashes)), 2)
        if hamming_distance(phashes[i], phashes[j]) <= max_distance
    }
    assert set(close_pairs(hash_array(phashes), max_distance, block=7)) == expected


@given(hashes64, st.lists(hashes64, min_size=1, max_size=30))
def test_vectorised_distances_equal_the_reference(query: str, phashes: list[str]) -> None:
    assert distances_to(query, hash_array(phashes)).tolist() == [hamming_distance(query, p) for p in phashes]


def test_hamming_distance_counts_differing_bits() -> None:
    assert hamming_distance("0000000000000000", "ffffffffffffffff") == 64
    assert hamming_distance("8000000000000001", "0000000000000000") == 2
    with pytest.raises(ValueError, match="not a 64-bit perceptual hash"):
        hamming_distance("abc", "0000000000000000")


# --- the sandbox's photos ---------------------------------------------------------------------


def test_sandbox_photos_are_deterministic_and_cached() -> None:
    ref = PhotoRef("stock/bm10/0", 3)
    first = photo_jpeg(ref)
    photo_jpeg.cache_clear()
    assert photo_jpeg(ref) == first
    assert photo_jpeg(ref) is photo_jpeg(ref)
    assert photo_jpeg(PhotoRef("stock/bm10/0", 0)) != first


def test_the_default_distance_separates_every_sandbox_photo_exactly() -> None:
    """Copies of one photo are within the distance, and no two different photos are: the
    ground truth (`photo_sharing`) is what a near-duplicate search must find."""
    threshold = get_settings().image_max_distance
    catalogue = generate_catalogue(2025)
    refs = sorted({ref for listing in catalogue for ref in listing.photos})
    phashes = {ref: fingerprint_image(photo_jpeg(ref)).phash for ref in refs}
    for a, b in itertools.combinations(refs, 2):
        distance = hamming_distance(phashes[a], phashes[b])
        assert (distance <= threshold) == (a.key == b.key), (a, b, distance)


def test_photo_sharing_lists_the_other_listings_showing_a_photo() -> None:
    shared = PhotoRef("stock/bm10/0", 1)
    photos = {
        "a": (shared, PhotoRef("seller/x/1/bm10/0", 0)),
        "b": (PhotoRef("stock/bm10/0", 4),),
        "c": (PhotoRef("seller/x/1/bm10/0", 2),),
        "d": (PhotoRef("stock/toy/0", 0),),
    }
    assert photo_sharing(photos) == {
        "a": frozenset({"b", "c"}),
        "b": frozenset({"a"}),
        "c": frozenset({"a"}),
        "d": frozenset(),
    }


def test_sandbox_listings_reuse_stock_photos_across_sellers_and_sites() -> None:
    catalogue = generate_catalogue(2025, 600)
    by_key: dict[str, list] = {}
    for listing in catalogue:
        assert len(listing.photos) == len(listing.image_urls)
        assert len({ref.key for ref in listing.photos}) == len(listing.photos)
        for ref in listing.photos:
            by_key.setdefault(ref.key, []).append(listing)
    stock = [listings for key, listings in by_key.items() if key.startswith("stock/")]
    assert any(len({x.site for x in listings}) == 3 for listings in stock)
    assert any(len({x.seller_id for x in listings}) > 5 for listings in stock)
    # A stock photo of a family shows on listings that name the model and ones that do not.
    assert any({x.kind for x in listings} >= {"named-model", "unnamed-mini"} for listings in stock)
    seller_photos = [listings for key, listings in by_key.items() if key.startswith("seller/")]
    assert all(len({(x.site, x.seller_id) for x in listings}) == 1 for listings in seller_photos)


def test_every_site_serves_each_listing_photo_and_404s_the_rest() -> None:
    from sandbox.server import SandboxApp

    catalogue = generate_catalogue(2025, 60)
    app = SandboxApp(catalogue)
    for site in ("bazaar", "jsmarket", "shop"):
        listing = next(x for x in catalogue if x.site == site and len(x.image_urls) >= 2)
        for url, ref in zip(listing.image_urls, listing.photos, strict=True):
            response = app.respond(url)
            assert (response.status, response.content_type) == (200, "image/jpeg")
            assert response.body == photo_jpeg(ref)
        beyond = listing.image_urls[0].replace("1.jpg", f"{len(listing.photos) + 1}.jpg")
        assert app.respond(beyond).status == 404
        assert app.respond(listing.image_urls[0].replace(".jpg", ".png")).status == 404


# --- storage ----------------------------------------------------------------------------------


@pytest.fixture
def sessions(database_url: str) -> sessionmaker[Session]:
    return session_factory(upgrade_database(database_url))


def stored(sessions: sessionmaker[Session], external_id: str, seller: str) -> int:
    item = make_item(external_id=external_id)
    item.seller_name, item.seller_url = seller, f"http://market.test/seller/{seller}"
    with sessions.begin() as session:
        store_listings(session, [item])
    assert item.listing_id is not None
    return item.listing_id


def record(listing_id: int, url: str, phash: str | None, **fields: object) -> ImageRecord:
    values: dict[str, object] = {"sha256": "ab" * 32, "width": 320, "height": 240, "media_type": "image/jpeg"}
    if phash is None:
        values = {"error": "http_404"}
    values.update(fields)
    return ImageRecord(listing_id, url, 0, T0, None, phash=phash, **values)  # type: ignore[arg-type]


def image_rows(sessions: sessionmaker[Session]) -> list[tuple[int, str, str | None, str | None]]:
    with sessions() as session:
        rows = session.execute(
            select(
                ListingImage.listing_id, ListingImage.url, ListingImage.phash, ListingImage.error
            ).order_by(ListingImage.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_upsert_is_idempotent_and_keeps_the_best_latest_observation(sessions: sessionmaker[Session]) -> None:
    listing = stored(sessions, "A1", "one")
    good = record(listing, "http://market.test/img/1.jpg", "00000000ffffffff")
    failed = record(listing, "http://market.test/img/2.jpg", None)
    for _ in range(2):
        with sessions.begin() as session:
            assert upsert_listing_images(session, [good, failed]) == 2
    assert image_rows(sessions) == [
        (listing, good.url, "00000000ffffffff", None),
        (listing, failed.url, None, "http_404"),
    ]
    later = T0 + timedelta(days=1)
    with sessions.begin() as session:
        upsert_listing_images(
            session,
            [
                replace(failed, fetched_at=later, phash="ffffffff00000000", error=None),  # now fetched
                replace(good, fetched_at=later, phash=None, error="timeout"),  # a failure keeps the hash
            ],
        )
    with sessions.begin() as session:  # an older observation arriving late changes nothing
        upsert_listing_images(session, [replace(failed, fetched_at=T0, phash="0123456789abcdef")])
    assert image_rows(sessions) == [
        (listing, good.url, "00000000ffffffff", None),
        (listing, failed.url, "ffffffff00000000", None),
    ]
    with sessions() as session:
        assert hashed_image_urls(session, listing) == {good.url, failed.url}
        assert session.scalar(select(func.count()).select_from(ListingImage)) == 2
        fetched_at = session.scalars(select(ListingImage.fetched_at)).all()
        assert all(value.tzinfo is not None and value.utcoffset() == timedelta(0) for value in fetched_at)


def flip(phash: str, bits: int, offset: int = 0) -> str:
    """`phash` with `bits` bits flipped, starting at bit `offset`."""
    return f"{int(phash, 16) ^ (((1 << bits) - 1) << offset):016x}"


def test_similar_listings_are_the_ones_with_an_image_within_the_distance(
    sessions: sessionmaker[Session],
) -> None:
    base = "5a5a5a5a5a5a5a5a"
    a, b, c, d, e = (stored(sessions, f"L{n}", seller) for n, seller in enumerate("xyzxw"))
    with sessions.begin() as session:
        upsert_listing_images(
            session,
            [
                record(a, "http://m.test/a1.jpg", base),
                record(a, "http://m.test/a2.jpg", flip(base, 30, 20)),
                record(a, "http://m.test/a3.jpg", None),
                record(b, "http://m.test/b1.jpg", flip(base, 3)),
                record(b, "http://m.test/b2.jpg", base),  # b's closest image to a's wins
                record(c, "http://m.test/c1.jpg", flip(base, 12)),
                record(d, "http://m.test/d1.jpg", None),
                record(e, "http://m.test/e1.jpg", flip(base, 25, 39)),
            ],
        )
    with sessions() as session:
        near = similar_listings(session, a, 10)
        assert [(s.listing.listing_id, s.distance, s.image_url, s.matched_image_url) for s in near] == [
            (b, 0, "http://m.test/b2.jpg", "http://m.test/a1.jpg")
        ]
        assert near[0].listing.seller == "y" and near[0].listing.marketplace == "test-market"
        wider = [(s.listing.listing_id, s.distance) for s in similar_listings(session, a, 12)]
        assert wider == [(b, 0), (c, 12)]
        assert [(s.listing.listing_id, s.distance) for s in similar_listings(session, e, 10)] == []
        assert similar_listings(session, d, 64) == []  # no hashed image
        with pytest.raises(UnknownListing, match="listing 999999 does not exist"):
            similar_listings(session, 999_999, 10)


def test_image_groups_link_listings_transitively_across_sellers(sessions: sessionmaker[Session]) -> None:
    base, other = "00000000000000ff", "ffff000000000000"
    a, b, c, d, e, f = (stored(sessions, f"G{n}", seller) for n, seller in enumerate("ppqrss"))
    with sessions.begin() as session:
        upsert_listing_images(
            session,
            [
                record(a, "http://m.test/a.jpg", base),
                record(b, "http://m.test/b.jpg", flip(base, 6)),  # near a
                record(c, "http://m.test/c.jpg", flip(base, 6, 8)),  # near a, 12 from b
                record(c, "http://m.test/c2.jpg", other),  # c's second photo links d
                record(d, "http://m.test/d.jpg", flip(other, 2)),
                record(e, "http://m.test/e.jpg", "0f0f0f0f0f0f0f0f"),  # two listings of one seller
                record(f, "http://m.test/f.jpg", "0f0f0f0f0f0f0f0f"),
            ],
        )
    with sessions() as session:
        groups = image_groups(session, 8)
        assert [[x.listing_id for x in g.listings] for g in groups] == [[a, b, c, d]]
        assert groups[0].seller_count == 3 and groups[0].max_distance == 6
        row = groups[0].to_row(1)
        assert row["seller_names"] == ["p", "q", "r"] and row["marketplaces"] == ["test-market"]
        one_seller = image_groups(session, 8, min_sellers=1)
        assert [[x.listing_id for x in g.listings] for g in one_seller] == [[a, b, c, d], [e, f]]
        assert image_groups(session, 1) == []  # only e and f (one seller) remain linked


# --- pipeline settings ------------------------------------------------------------------------


def test_image_fetch_settings_are_checked_up_front() -> None:
    base = {"THUMBWATCH_DATABASE_URL": "sqlite://"}
    config = ImageFetchSettings.from_settings(Settings(base))
    assert (config.scope, config.per_listing) == ("flagged", 3)
    assert (
        ImageFetchSettings.from_settings(Settings({**base, "THUMBWATCH_IMAGE_FETCH": "ALL"})).scope == "all"
    )
    with pytest.raises(
        ValueError, match="THUMBWATCH_IMAGE_FETCH must be one of flagged, all, off, got 'some'"
    ):
        ImageFetchSettings.from_settings(Settings({**base, "THUMBWATCH_IMAGE_FETCH": "some"}))
    with pytest.raises(ValueError, match="THUMBWATCH_IMAGES_PER_LISTING must be >= 1, got 0"):
        ImageFetchSettings.from_settings(Settings({**base, "THUMBWATCH_IMAGES_PER_LISTING": "0"}))


def test_image_configuration_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THUMBWATCH_IMAGE_MAX_DISTANCE", "6")
    monkeypatch.setenv("THUMBWATCH_IMAGE_FETCH", "all")
    get_settings.cache_clear()
    assert (get_settings().image_max_distance, get_settings().image_fetch) == (6, "all")
    monkeypatch.setenv("THUMBWATCH_IMAGE_FETCH", "sometimes")
    get_settings.cache_clear()
    with pytest.raises(ValueError, match="image_fetch"):
        get_settings()
