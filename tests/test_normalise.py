"""Price, currency, text and URL normalisation shared by parsers and pipelines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.normalise import canonical_url, clean_text, normalise_currency, parse_price


@pytest.mark.parametrize(
    ("text", "hint", "expected"),
    [
        ("19,99 €", None, (Decimal("19.99"), "EUR")),
        ("US $12.49", None, (Decimal("12.49"), "USD")),
        ("£19.99", None, (Decimal("19.99"), "GBP")),
        ("1 299,00 zł", None, (Decimal("1299.00"), "PLN")),
        ("24 990 ₽", None, (Decimal("24990"), "RUB")),
        ("EUR 35.50", None, (Decimal("35.50"), "EUR")),
        ("$ 15", "CAD", (Decimal("15"), "CAD")),
        ("12.49", None, (Decimal("12.49"), None)),
        ("12.49", "gbp", (Decimal("12.49"), "GBP")),
        ("", "EUR", (None, "EUR")),
        (None, None, (None, None)),
    ],
)
def test_parse_price(text: str | None, hint: str | None, expected: tuple[Decimal | None, str | None]) -> None:
    assert parse_price(text, hint) == expected


@given(st.decimals(min_value=0, max_value=99999, places=2, allow_nan=False, allow_infinity=False))
def test_parse_price_reads_back_euro_amounts_in_french_format(amount: Decimal) -> None:
    shown = f"{amount:.2f}".replace(".", ",") + " €"
    assert parse_price(shown) == (amount, "EUR")


def test_currency_codes_pass_through_and_unknown_symbols_fall_back_to_hint() -> None:
    assert normalise_currency("CHF") == "CHF"
    assert normalise_currency("¤", "EUR") == "EUR"
    assert normalise_currency("¤") is None


def test_clean_text_and_canonical_url() -> None:
    assert clean_text("  Mini \n\t phone  ") == "Mini phone"
    assert clean_text(None) == ""
    assert canonical_url("http://a.test/item?b=2&a=1#frag") == "http://a.test/item?a=1&b=2"
