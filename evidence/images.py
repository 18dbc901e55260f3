"""Perceptual fingerprints of listing images: decode bytes, measure them, hash them.

`fingerprint_image` turns downloaded bytes into an `ImageFingerprint`: SHA-256 of the bytes,
imagehash's 64-bit perceptual hash (pHash: the sign of the low DCT frequencies of a 32×32
greyscale copy, so resizing, recompression, small crops and recolouring move few bits) as 16
hex digits, the size and the media type Pillow recognised. Bytes that are not an image Pillow
can read (an HTML error page served as a photo, a truncated file, a decompression bomb) raise
`ImageDecodeError` with the reason; the crawl counts and records it rather than failing.

Distances are Hamming distances between the 64-bit hashes: `hamming_distance` for one pair,
`distances_to` and `close_pairs` for many at once (numpy XOR and popcount).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import imagehash
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

# Far above any product photo, far below what would exhaust memory when decoded.
MAX_PIXELS = 40_000_000
HASH_BITS = 64


class ImageDecodeError(ValueError):
    """The bytes are not an image we can fingerprint; the message says why."""


@dataclass(frozen=True, slots=True)
class ImageFingerprint:
    sha256: str
    phash: str  # 16 hex digits
    width: int
    height: int
    media_type: str


def fingerprint_image(data: bytes) -> ImageFingerprint:
    """Decode `data` and fingerprint it; `ImageDecodeError` when it is not a readable image."""
    if not data:
        raise ImageDecodeError("empty body")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise ImageDecodeError(f"{image.width}x{image.height} pixels is more than {MAX_PIXELS}")
                media_type = Image.MIME.get(image.format or "", "application/octet-stream")
                image.load()
                # Phone photos often carry their orientation in EXIF; hash what a viewer shows.
                upright = ImageOps.exif_transpose(image)
                phash = str(imagehash.phash(upright))
                width, height = upright.size
    except ImageDecodeError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageDecodeError(str(exc)) from None
    except (OSError, ValueError, SyntaxError) as exc:  # Pillow's errors for corrupt or truncated data
        raise ImageDecodeError(f"{type(exc).__name__}: {exc}") from None
    return ImageFingerprint(hashlib.sha256(data).hexdigest(), phash, width, height, media_type)


def phash_int(phash: str) -> int:
    """A stored 16-hex-digit perceptual hash as a 64-bit integer."""
    if len(phash) != HASH_BITS // 4:
        raise ValueError(f"not a 64-bit perceptual hash: {phash!r}")
    return int(phash, 16)


def hamming_distance(a: str, b: str) -> int:
    """How many of the 64 bits differ between two perceptual hashes."""
    return (phash_int(a) ^ phash_int(b)).bit_count()


def hash_array(phashes: Sequence[str]) -> npt.NDArray[np.uint64]:
    """Perceptual hashes (16 hex digits each) as an array of 64-bit integers."""
    return np.array([phash_int(phash) for phash in phashes], dtype=np.uint64)


def distances_to(phash: str, hashes: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint8]:
    """Hamming distance from `phash` to each of `hashes` (XOR and popcount, vectorised)."""
    return np.bitwise_count(hashes ^ np.uint64(phash_int(phash)))


def close_pairs(
    hashes: npt.NDArray[np.uint64], max_distance: int, block: int = 256
) -> Iterator[tuple[int, int, int]]:
    """Every pair ``(i, j, distance)`` with ``i < j`` and ``distance <= max_distance``.

    All pairs are compared, a block of rows against the rest at a time (``block × len(hashes)``
    integers in memory at once): 20,000 distinct hashes take a couple of seconds on one core.
    """
    for start in range(0, len(hashes), block):
        distances = np.bitwise_count(hashes[start : start + block, None] ^ hashes[None, start:])
        rows, columns = np.nonzero(distances <= max_distance)
        later = columns > rows  # the block's own upper triangle and everything after it
        rows, columns = rows[later], columns[later]
        found = distances[rows, columns]
        yield from zip((rows + start).tolist(), (columns + start).tolist(), found.tolist(), strict=True)
