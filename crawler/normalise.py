"""Normalisation of values read off pages: prices and currencies, text, URLs.

Spiders' parse functions and `NormaliseListingPipeline` share these, so a value is cleaned
one way wherever it is read.
"""

from __future__ import annotations

import re
from decimal import Decimal

from price_parser import Price
from w3lib.url import canonicalize_url

# Symbols and local spellings price-parser returns, mapped to ISO 4217. "$" and "¥" are
# ambiguous; the caller's hint (the site's locale) wins when it is given.
_CURRENCY_ALIASES: dict[str, str] = {
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "$": "USD",
    "us$": "USD",
    "usd": "USD",
    "c$": "CAD",
    "ca$": "CAD",
    "a$": "AUD",
    "au$": "AUD",
    "r$": "BRL",
    "brl": "BRL",
    "zł": "PLN",
    "zl": "PLN",
    "pln": "PLN",
    "₽": "RUB",
    "руб": "RUB",
    "руб.": "RUB",
    "rub": "RUB",
    "р.": "RUB",
    "₺": "TRY",
    "tl": "TRY",
    "try": "TRY",
    "lei": "RON",
    "ron": "RON",
    "kč": "CZK",
    "czk": "CZK",
    "chf": "CHF",
    "fr.": "CHF",
    "¥": "CNY",
    "cny": "CNY",
    "rmb": "CNY",
    "jpy": "JPY",
    "円": "JPY",
    "₹": "INR",
    "rs": "INR",
    "rs.": "INR",
    "inr": "INR",
    "sar": "SAR",
    "ر.س": "SAR",
    "sek": "SEK",
    "nok": "NOK",
    "dkk": "DKK",
    "kr": "SEK",
    "huf": "HUF",
    "ft": "HUF",
}
_ISO_CODE = re.compile(r"^[A-Z]{3}$")
_SPACE = re.compile(r"\s+")


def normalise_currency(raw: str | None, hint: str | None = None) -> str | None:
    """ISO 4217 code for a currency symbol or code; `hint` resolves "$"/"¥" and fills gaps."""
    hint_code = hint.upper() if hint else None
    if raw is None or not raw.strip():
        return hint_code
    token = raw.strip()
    if _ISO_CODE.match(token):
        return token
    if token in {"$", "¥"} and hint_code:
        return hint_code
    return _CURRENCY_ALIASES.get(token.lower(), hint_code)


def parse_price(text: str | None, currency_hint: str | None = None) -> tuple[Decimal | None, str | None]:
    """(amount, ISO currency) from a displayed price such as ``"19,99 €"`` or ``"US $12.49"``."""
    if not text:
        return None, normalise_currency(None, currency_hint)
    price = Price.fromstring(text)
    currency = normalise_currency(price.currency, currency_hint)
    return price.amount, currency


def clean_text(text: str | None) -> str:
    """Collapse runs of whitespace and strip the ends."""
    if not text:
        return ""
    return _SPACE.sub(" ", text).strip()


def canonical_url(url: str) -> str:
    """The canonical form of a listing URL, so the same page is stored once."""
    return canonicalize_url(url, keep_fragments=False)
