"""Query expansion: a site's search queries from the device catalog and a per-locale term list.

A site is searched in its own language: "Mini Handy" finds German listings that "mini phone"
misses, and sellers on eBay.fr write "mini téléphone portable". Each locale has the ordinary
marketplace words for a mini phone, a Bluetooth dialer and "the smallest phone"; every term is
one the matcher (`matching.terms`) scores as mini-phone evidence, which the tests check, so a
search never asks for listings the matcher would ignore. International marketplaces (locale
``intl``) use the matcher's own cross-language `SEARCH_TERMS`.

The catalog contributes each device's name and aliases, deduplicated on their letters and
digits only ("BM-10", "BM 10" and "bm10" are one query). A terms file (YAML or TOML) adds
terms per locale or, with ``replace = true``, replaces the built-in ones.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from matching.terms import SEARCH_TERMS

if TYPE_CHECKING:
    from matching import Catalog

INTERNATIONAL = "intl"

# Generic product terms per locale (ISO 639-1): mini phone, mini mobile phone, Bluetooth dialer,
# smallest phone, in the languages the matcher reads. Order matters: with a query limit the first
# terms are kept.
LOCALE_TERMS: dict[str, tuple[str, ...]] = {
    "en": ("mini phone", "mini mobile phone", "thumb phone", "smallest phone",
           "bluetooth dialer phone", "key fob phone"),
    "fr": ("mini téléphone", "mini téléphone portable", "téléphone miniature", "mini portable",
           "plus petit téléphone", "bluetooth dialer téléphone"),
    "es": ("mini móvil", "mini teléfono móvil", "móvil más pequeño",
           "bluetooth dialer móvil"),
    "de": ("Mini Handy", "kleinstes Handy", "Mini Telefon", "Bluetooth Dialer Handy"),
    "it": ("mini cellulare", "microcellulare", "mini telefono cellulare", "cellulare più piccolo",
           "bluetooth dialer cellulare"),
    "nl": ("mini telefoon", "mini gsm", "kleinste telefoon", "bluetooth dialer telefoon"),
    "pt": ("mini celular", "mini telemóvel", "menor celular", "bluetooth dialer celular"),
    "pl": ("mini telefon", "telefon mini", "najmniejszy telefon", "bluetooth dialer telefon"),
    "ro": ("mini telefon", "telefon mini", "cel mai mic telefon", "bluetooth dialer telefon"),
    "ru": ("мини телефон", "миниатюрный телефон", "самый маленький телефон", "bluetooth dialer телефон"),
    "tr": ("mini telefon", "mini cep telefonu", "en küçük telefon", "bluetooth dialer telefon"),
    "uk": ("міні телефон", "мініатюрний телефон", "найменший телефон"),
    "sv": ("mini mobil", "mini mobiltelefon", "minsta mobilen", "bluetooth dialer mobil"),
    "da": ("mini mobil", "mini mobiltelefon", "verdens mindste mobil"),
    "nb": ("mini mobil", "mini mobiltelefon", "verdens minste mobil"),
    "fi": ("minipuhelin", "pieni matkapuhelin", "maailman pienin puhelin"),
    "cs": ("mini mobil", "mini telefon", "nejmenší mobil"),
    "sk": ("mini mobil", "mini telefón", "najmenší mobil"),
    "hu": ("mini telefon", "mini mobiltelefon", "legkisebb telefon"),
    "hr": ("mini mobitel", "mini telefon", "najmanji mobitel"),
    "sl": ("mini telefon", "mini mobitel", "najmanjši telefon"),
    "bg": ("мини телефон", "малък телефон", "най-малкият телефон"),
    "el": ("μίνι κινητό", "μικρό κινητό", "το μικρότερο κινητό"),
    "lt": ("mini telefonas", "mažiausias telefonas"),
    "lv": ("mini telefons", "mazākais telefons"),
    "ar": ("ميني هاتف", "جوال صغير", "أصغر هاتف"),
    INTERNATIONAL: tuple(SEARCH_TERMS),
}
LOCALES: frozenset[str] = frozenset(LOCALE_TERMS)

_NOT_ALNUM = re.compile(r"[\W_]+")
_SPACES = re.compile(r"\s+")


class QueryConfigError(ValueError):
    """A terms file cannot be read or does not follow the format."""


def query_key(query: str) -> str:
    """What makes two queries the same search: their letters and digits, case-folded."""
    return _NOT_ALNUM.sub("", query.casefold())


def normalise_query(query: str) -> str:
    return _SPACES.sub(" ", query).strip()


def _unique(queries: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    unique: list[str] = []
    for raw in queries:
        query = normalise_query(raw)
        key = query_key(query)
        if key and key not in seen:
            seen.add(key)
            unique.append(query)
    return unique


def catalog_queries(catalog: Catalog) -> list[str]:
    """Each device's name and aliases, deduplicated. The generic key-fob "device" is left out
    (as in `matching.search_queries`): its aliases are product words, already among the terms."""
    return _unique(
        name
        for device in catalog.devices
        if device.family != "keyfob"
        for name in (device.name, *device.aliases)
    )


def load_terms_file(path: Path) -> tuple[dict[str, list[str]], bool]:
    """``(terms per locale, replace)`` from a YAML or TOML file.

    Format: a mapping ``terms: {locale: [term, ...]}`` and an optional ``replace: true``.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise QueryConfigError(f"{path}: cannot read terms file: {exc}") from exc
    try:
        data: Any = (tomllib.loads(raw.decode("utf-8")) if path.suffix.lower() == ".toml"
                     else yaml.safe_load(raw))
    except (tomllib.TOMLDecodeError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise QueryConfigError(f"{path}: not valid {path.suffix.lstrip('.') or 'YAML'}: {exc}") from exc
    if not isinstance(data, Mapping) or not isinstance(data.get("terms"), Mapping):
        raise QueryConfigError(f"{path}: expected a mapping 'terms' of locale to a list of terms")
    terms: dict[str, list[str]] = {}
    for locale, values in data["terms"].items():
        if locale not in LOCALES:
            raise QueryConfigError(f"{path}: unknown locale {locale!r} (known: {', '.join(sorted(LOCALES))})")
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise QueryConfigError(f"{path}: terms for {locale!r} must be a list of strings")
        terms[locale] = values
    replace = data.get("replace", False)
    if not isinstance(replace, bool):
        raise QueryConfigError(f"{path}: 'replace' must be true or false")
    return terms, replace


def locale_terms(locale: str, terms_file: Path | None = None) -> list[str]:
    """The generic terms of one locale, with a terms file's additions or replacements."""
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r} (known: {', '.join(sorted(LOCALES))})")
    terms = list(LOCALE_TERMS[locale])
    if terms_file is not None:
        extra, replace = load_terms_file(terms_file)
        if locale in extra:
            terms = extra[locale] if replace else [*terms, *extra[locale]]
    return terms


def site_queries(catalog: Catalog, locale: str, extra_terms: Sequence[str] = (),
                 limit: int | None = None, *, terms_file: Path | None = None) -> list[str]:
    """A site's queries: the locale's terms, then ``extra_terms``, then the catalog's device
    names and aliases; normalised, deduplicated, at most ``limit`` of them."""
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    queries = _unique([*locale_terms(locale, terms_file), *extra_terms, *catalog_queries(catalog)])
    return queries[:limit] if limit is not None else queries
