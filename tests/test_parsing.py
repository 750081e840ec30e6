"""Amounts and dates as invoices print them, in every supported convention (property-based)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from babel.dates import format_date
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from agent.documents.parsing import find_currency, parse_amount, parse_date

AMOUNTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2)
LOCALES = ["fr_FR", "de_DE", "en_GB", "en_US", "es_ES", "it_IT", "nl_NL", "pt_PT", "de_CH"]


@given(amount=AMOUNTS, locale=st.sampled_from(LOCALES))
def test_amount_printed_in_any_locale_parses_back(amount: Decimal, locale: str) -> None:
    printed = format_decimal(amount, format="#,##0.00", locale=locale)
    assert parse_amount(printed) == amount


@given(amount=AMOUNTS)
def test_negative_forms_keep_the_sign(amount: Decimal) -> None:
    text = f"{amount:.2f}"
    for form in (f"-{text}", f"({text})", f"{text}-", f"\u2212{text}"):
        assert parse_amount(form) == -amount


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,56", "1234.56"),
        ("1\u202f234,56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1'234.56", "1234.56"),
        ("1234", "1234"),
        ("0,5", "0.5"),
        ("12.345.678,90", "12345678.90"),
    ],
)
def test_amount_conventions(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "12a", "--"])
def test_not_an_amount(text: str) -> None:
    assert parse_amount(text) is None


@given(
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    locale=st.sampled_from(["fr", "en", "de", "es", "it", "nl", "pt"]),
)
def test_long_dates_in_every_language_parse_back(day: date, locale: str) -> None:
    assert parse_date(format_date(day, format="long", locale=locale)) == day


@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_numeric_dates(day: date) -> None:
    assert parse_date(day.isoformat()) == day
    assert parse_date(day.strftime("%d/%m/%Y")) == day
    assert parse_date(day.strftime("%d.%m.%Y")) == day
    assert parse_date(day.strftime("%m/%d/%Y"), month_first=True) == day


def test_unambiguous_numbers_override_the_order() -> None:
    assert parse_date("12/25/2026") == date(2026, 12, 25)  # no 25th month: US order whatever the hint


def test_currency_by_code_or_symbol() -> None:
    assert find_currency("Total 12,00 €") == "EUR"
    assert find_currency("Amount due £1,200.00") == "GBP"
    assert find_currency("Betrag 100 CHF") == "CHF"
    assert find_currency("no money here") is None
