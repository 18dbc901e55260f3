"""The notice sent to a marketplace's notice-and-action channel (``notice.txt`` of a referral).

It carries every element that Article 16(2) of the EU Digital Services Act (Regulation (EU)
2022/2065) requires of a notice: (a) a substantiated explanation of why the content is illegal
(the configured legal basis for the unit's country, plus the evidence), (b) the exact URLs and
the marketplace's item and seller identifiers, (c) the submitting unit's name and email, and
(d) the statement of good-faith belief. The unit (`UnitContact`) and the legal-basis texts come
from configuration; a notice without a unit name and email is refused.
"""

from __future__ import annotations

import textwrap
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from crawler import __version__

WIDTH = 100  # notice.txt is read in mail clients and web forms
DEFAULT_LEGAL_BASIS = (
    "The listed items are miniature mobile phones marketed as undetectable by prison security "
    "screening (metal detectors, body scanners) and sized to be concealed on or in the body. "
    "Bringing a mobile phone into a prison, or supplying one to a detainee, is a criminal offence "
    "under the law of the notifying unit's country; offering devices for that purpose is illegal "
    "content within the meaning of Article 3(h) of Regulation (EU) 2022/2065. (Default text: "
    "set THUMBWATCH_LEGAL_BASIS_FILE to give the provisions of your country.)"
)
GOOD_FAITH_STATEMENT = (
    "{unit} confirms its bona fide belief that the information and allegations contained in this "
    "notice are accurate and complete."
)
INTEGRITY_STATEMENT = (
    "Each evidence file was captured by thumbwatch, the monitoring system of {unit}, at the time "
    "stated beside it, and its SHA-256 was recorded at that moment. A matching SHA-256 shows that "
    "the file has not changed since this system captured it. It does not by itself establish who "
    "published the content or that the page as served was genuine."
)


class NoticeConfigError(ValueError):
    """The unit or legal-basis configuration cannot make a notice (named with what to set)."""


@dataclass(frozen=True)
class UnitContact:
    """The unit that submits notices, and the legal basis it relies on."""

    name: str
    email: str
    country: str | None
    legal_basis: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "email": self.email, "country": self.country}


def read_legal_basis_file(path: Path) -> dict[str, str]:
    """Country code (or ``default``) -> legal-basis text, from a TOML or YAML file.

    The texts are under a ``legal_basis`` table; every problem names the file and the key.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NoticeConfigError(f"legal basis file {path}: {exc.strerror or exc}") from None
    try:
        if path.suffix.lower() == ".toml":
            data: Any = tomllib.loads(raw.decode("utf-8"))
        elif path.suffix.lower() in (".yaml", ".yml"):
            data = yaml.safe_load(raw)
        else:
            raise NoticeConfigError(f"legal basis file {path}: use a .toml, .yaml or .yml file")
    except (tomllib.TOMLDecodeError, yaml.YAMLError, UnicodeDecodeError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise NoticeConfigError(f"legal basis file {path}: not readable: {first_line}") from None
    table = data.get("legal_basis") if isinstance(data, dict) else None
    if not isinstance(table, dict) or not table:
        raise NoticeConfigError(f"legal basis file {path}: needs a non-empty 'legal_basis' table")
    texts: dict[str, str] = {}
    for key, text in table.items():
        code = str(key)
        if code != "default" and not (len(code) == 2 and code.isalpha()):
            raise NoticeConfigError(
                f"legal basis file {path}: key {code!r} is neither a 2-letter country code nor 'default'"
            )
        if not isinstance(text, str) or not text.strip():
            raise NoticeConfigError(f"legal basis file {path}: legal_basis.{code} must be non-empty text")
        texts[code if code == "default" else code.upper()] = " ".join(text.split())
    return texts


def legal_basis_for(country: str | None, texts: Mapping[str, str]) -> str:
    """The text for `country`, else the file's ``default``, else the built-in default."""
    if country and country.upper() in texts:
        return texts[country.upper()]
    return texts.get("default", DEFAULT_LEGAL_BASIS)


def configured_unit() -> UnitContact:
    """The unit from ``THUMBWATCH_UNIT_*`` and ``THUMBWATCH_LEGAL_BASIS_FILE``."""
    from crawler.config import get_settings

    settings = get_settings()
    name, email = (settings.unit_name or "").strip(), (settings.unit_email or "").strip()
    missing = [
        key for key, value in (("THUMBWATCH_UNIT_NAME", name), ("THUMBWATCH_UNIT_EMAIL", email)) if not value
    ]
    if missing:
        raise NoticeConfigError(
            f"a notice must name the submitting unit (DSA Art. 16(2)(c)): set {' and '.join(missing)}"
        )
    texts = read_legal_basis_file(settings.legal_basis_file) if settings.legal_basis_file else {}
    return UnitContact(
        name=name,
        email=email,
        country=settings.unit_country,
        legal_basis=legal_basis_for(settings.unit_country, texts),
    )


def _listing_evidence(listing: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    match = listing.get("match")
    if match:
        device = match.get("device_name") or "an unidentified mini phone"
        lines.append(f"   Identified as: {device} (match score {match['score']}/100, tier {match['tier']})")
        lines.extend(
            f"   - {reason['text']}" + (f' ("{reason["excerpt"]}")' if reason.get("excerpt") else "")
            for reason in match.get("reasons", [])
            if reason["points"] > 0
        )
    for capture in listing["captures"]:
        for item in capture["items"]:
            lines.append(
                f"   Evidence file {item['file']}: {item['kind']}, captured {item['captured_at']}, "
                f"SHA-256 {item['sha256']}"
            )
    if listing.get("evidence_gap"):
        gap = (
            f"EVIDENCE GAP: {listing['evidence_gap']}. No page capture is enclosed; this listing is "
            f"notified on the data recorded when it was seen ({listing['first_seen']} to "
            f"{listing['last_seen']}) and the match above."
        )
        lines.append(textwrap.fill(gap, WIDTH, initial_indent="   ", subsequent_indent="   "))
    return lines


def render_notice(
    marketplace: Mapping[str, Any],
    listings: Sequence[Mapping[str, Any]],
    unit: UnitContact,
    created_at: datetime,
) -> str:
    """The notice text for one marketplace's listings (manifest records, see `evidence.referral`)."""
    out: list[str] = [
        "NOTICE OF ILLEGAL CONTENT",
        "under Article 16 of Regulation (EU) 2022/2065 (Digital Services Act)",
        "",
        f"To:   {marketplace['name']} ({marketplace['slug']}), notice and action mechanism",
        f"From: {unit.name} <{unit.email}>" + (f", {unit.country}" if unit.country else ""),
        f"Date: {created_at.isoformat(timespec='seconds')}",
        f"Listings notified: {len(listings)}",
        "",
        "(a) Why the content is illegal (Art. 16(2)(a))",
        "",
        textwrap.fill(unit.legal_basis, WIDTH),
        "",
        "Evidence for each listing (files enclosed in this package; report.pdf shows them):",
    ]
    for number, listing in enumerate(listings, start=1):
        out.append(f"{number}. {listing['title']}")
        out.extend(_listing_evidence(listing))
    out += ["", "(b) Exact location of the content (Art. 16(2)(b))", ""]
    for number, listing in enumerate(listings, start=1):
        seller = listing.get("seller") or {}
        out += [
            f"{number}. URL: {listing['url']}",
            f"   Item identifier on {marketplace['slug']}: {listing['external_id']}",
            f"   Seller identifier: {seller.get('external_id') or 'not shown on the listing'}"
            + (f" (name: {seller['name']})" if seller.get("name") else ""),
        ]
        if seller.get("url"):
            out.append(f"   Seller page: {seller['url']}")
    out += [
        "",
        "(c) Submitted by (Art. 16(2)(c))",
        "",
        f"Name:  {unit.name}",
        f"Email: {unit.email}",
        "",
        "(d) Statement of good faith (Art. 16(2)(d))",
        "",
        textwrap.fill(GOOD_FAITH_STATEMENT.format(unit=unit.name), WIDTH),
        "",
        "Integrity of the evidence",
        "",
        textwrap.fill(INTEGRITY_STATEMENT.format(unit=unit.name), WIDTH),
        f"Produced with thumbwatch {__version__}; SHA256SUMS in this package lists every file's SHA-256 "
        "(check it with `sha256sum -c SHA256SUMS`).",
        "",
    ]
    return "\n".join(out)
