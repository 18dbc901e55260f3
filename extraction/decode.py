"""Bytes to text for saved or fetched pages.

The order is the one browsers follow (WHATWG "encoding sniffing"): a byte-order mark wins,
then the HTTP ``Content-Type`` charset, then ``<meta charset>`` / ``http-equiv``, then
detection. w3lib's ``html_to_unicode`` implements the first three; we add the detection
fallback and one correction for saved files (below).
"""

from __future__ import annotations

import codecs
import re

from w3lib.encoding import html_body_declared_encoding, html_to_unicode, resolve_encoding

_SINGLE_BYTE = {"cp1252", "latin1", "iso8859-1", "iso8859-15", "ascii"}
_NON_ASCII = re.compile(rb"[\x80-\xff]")


def _detect(body: bytes) -> str:
    """Encoding for a body that declares none: strict UTF-8 when it decodes, else a guess."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    if len(body) < 2048:  # too little text for statistics: the web's commonest legacy encoding
        return "cp1252"
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - charset-normalizer ships with requests
        return "cp1252"
    best = from_bytes(body[:200_000]).best()
    # Without NUL bytes a body cannot be UTF-16/32; short samples fool the detector into it.
    if best is None or (b"\x00" not in body and best.encoding.startswith(("utf_16", "utf_32"))):
        return "cp1252"
    return best.encoding


def _saved_as_utf8(body: bytes) -> bool:
    """True when a body without an HTTP header is valid UTF-8 with non-ASCII bytes in it.

    Pages saved by a browser (``page.content()``, "save as") are written in UTF-8 but keep
    their original ``<meta charset=iso-8859-1>``; valid multi-byte UTF-8 is almost never an
    accident in a single-byte encoding, so the bytes are better evidence than the tag.
    """
    if not _NON_ASCII.search(body):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _charset_of(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """``(text, encoding)`` of an HTML body; ``content_type`` is the HTTP header when known."""
    header = content_type
    if _charset_of(content_type) is None:
        header = None
        declared = html_body_declared_encoding(body)
        resolved = resolve_encoding(declared) if declared else None
        bom = body.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        if not bom and resolved in _SINGLE_BYTE and _saved_as_utf8(body):
            header = "text/html; charset=utf-8"
    encoding, text = html_to_unicode(header, body, auto_detect_fun=_detect)
    return text, encoding


def read_html(data: bytes, content_type: str | None = None) -> str:
    """Just the text of :func:`decode_html`."""
    return decode_html(data, content_type)[0]
