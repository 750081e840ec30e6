"""Locale-tolerant parsing of amounts and dates as they are printed on invoices.

Amounts: 1 234,56 / 1.234,56 / 1,234.56 / 1'234.56 / 1234.5 / (12.00) / -12,00 / 12.00-.
Dates: ISO, numeric day-first (Europe) or month-first (US, when unambiguous or told), month names in
fr, en, de, es, it, nl, pt.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from babel.core import get_global

SPACES = "\u00a0\u202f\u2009 '’"
MINUS_SIGNS = "-\u2212\u2013"

AMOUNT_PATTERN = (
    r"[(\-\u2212]?\s?\d{1,3}(?:[ \u00a0\u202f\u2009.,'’]\d{3})+(?:[.,]\d{1,2})?\)?"
    r"|[(\-\u2212]?\d+(?:[.,]\d{1,2})?\)?"
)
AMOUNT_RE = re.compile(AMOUNT_PATTERN)


class RowNumber(NamedTuple):
    start: int
    end: int
    value: Decimal
    in_cents: bool  # printed with two decimals: money, rather than a count or an identifier's digits
    percent: bool  # followed by "%": a rate


def row_numbers(line: str) -> list[RowNumber]:
    """The numbers of a table row, leaving out the pieces of dates and references ("03/11", "7-12")."""
    found = []
    for match in AMOUNT_RE.finditer(line):
        start, end, text = match.start(), match.end(), match.group(0)
        if re.match(r"[./-]\d", line[end : end + 2]):
            continue  # the head of a date or a reference
        if start and line[start - 1] in "./-" and line[max(0, start - 3)].isdigit():
            continue  # its tail
        value = parse_amount(text)
        if value is not None:
            in_cents = bool(re.search(r"[.,]\d{2}\)?$", text))
            found.append(RowNumber(start, end, value, in_cents, line[end : end + 2].lstrip().startswith("%")))
    return found


def parse_amount(text: str) -> Decimal | None:
    """The Decimal an amount string means, or None. The sign is kept (callers decide what it means)."""
    value = text.strip()
    if not value:
        return None
    negative = value.startswith("(") and value.endswith(")")
    value = value.strip("()")
    if value and value[0] in MINUS_SIGNS:
        negative, value = True, value[1:]
    elif value and value[-1] in MINUS_SIGNS:
        negative, value = True, value[:-1]
    value = "".join(ch for ch in value if ch not in SPACES)
    if not value or not re.fullmatch(r"[\d.,]+", value):
        return None
    last_dot, last_comma = value.rfind("."), value.rfind(",")
    decimal_mark = None
    if last_dot >= 0 and last_comma >= 0:
        decimal_mark = "." if last_dot > last_comma else ","
    elif last_dot >= 0 or last_comma >= 0:
        mark = "." if last_dot >= 0 else ","
        digits_after = len(value) - value.rfind(mark) - 1
        # "1.234" or "1,234" with exactly three digits after a single mark is a thousands separator.
        if value.count(mark) == 1 and digits_after != 3:
            decimal_mark = mark
    if decimal_mark:
        integer, _, fraction = value.rpartition(decimal_mark)
        integer = integer.replace(".", "").replace(",", "")
        value = f"{integer}.{fraction}"
    else:
        value = value.replace(".", "").replace(",", "")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    return -amount if negative else amount


MONTHS: dict[str, int] = {}
_MONTH_NAMES = {
    1: "january jan janvier janv januar jän enero ene gennaio gen januari janeiro",
    2: "february feb février fevrier févr fevr februar febrero febbraio februari fevereiro fev",
    3: "march mar mars märz maerz marzo maart março marco",
    4: "april apr avril avr abril aprile",
    5: "may mai mayo maggio mei maio",
    6: "june jun juin juni junio giugno junho",
    7: "july jul juillet juil juli julio luglio julho",
    8: "august aug août aout agosto augustus ago",
    9: "september sep sept septembre settembre septiembre setembro set",
    10: "october oct octobre oktober octubre ottobre okt outubro out",
    11: "november nov novembre noviembre novembro",
    12: "december dec décembre decembre déc dezember dez diciembre dicembre dezembro",
}
for _number, _names in _MONTH_NAMES.items():
    for _name in _names.split():
        MONTHS[_name] = _number


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


MONTHS_FOLDED = {_fold(name): number for name, number in MONTHS.items()}
_MONTH_ALTERNATION = "|".join(sorted(MONTHS, key=len, reverse=True))

DATE_PATTERN = (
    r"(?<![\w.\-/])\d{4}-\d{2}-\d{2}(?![\d\-/])"  # not inside a reference such as "01.234.567.8-2018-1"
    r"|(?<![\w.\-/])\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?!\d|[.\-/]\d)"
    rf"|\d{{1,2}}\.?\s+(?:de\s+)?(?:{_MONTH_ALTERNATION})\.?,?\s+(?:de\s+)?\d{{4}}"
    rf"|(?:{_MONTH_ALTERNATION})\.?\s+\d{{1,2}}\s?,?\s+\d{{4}}"
)
DATE_RE = re.compile(DATE_PATTERN, re.IGNORECASE)


NUMERIC_DATE = re.compile(r"(?<![\d.])(\d{1,2})[./-](\d{1,2})[./-](?:\d{4}|\d{2})(?![\d.])")


def month_first_order(text: str, *, default: bool) -> bool:
    """Whether this document prints numeric dates month first (US), told by its own dates: one with a
    first part over 12 ("17/11/2017") settles day first, one with a second part over 12 ("11/17/2017")
    settles month first. `default` (from the language and currency) when no date settles it."""
    day_first = month_first = False
    for match in NUMERIC_DATE.finditer(text):
        first, second = int(match.group(1)), int(match.group(2))
        day_first |= 12 < first <= 31 and second <= 12
        month_first |= 12 < second <= 31 and first <= 12
    return month_first if day_first != month_first else default


def parse_date(text: str, month_first: bool = False) -> date | None:
    """A date as printed; `month_first` for US documents when the order is ambiguous."""
    value = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
        numeric = re.fullmatch(r"(\d{1,2})[./-](\d{1,2})[./-](\d{2,4})", value)
        if numeric:
            first, second, year = (int(part) for part in numeric.groups())
            year = year + 2000 if year < 100 else year
            day, month = (second, first) if month_first else (first, second)
            if month > 12 and day <= 12:  # the order is unambiguous: trust the numbers
                day, month = month, day
            return date(year, month, day)
        words = re.findall(r"[^\W\d_]+|\d+", value)
        numbers = [int(w) for w in words if w.isdigit()]
        month_numbers = [MONTHS_FOLDED[_fold(w)] for w in words if _fold(w) in MONTHS_FOLDED]
        if len(numbers) == 2 and month_numbers:
            day, year = (numbers[0], numbers[1]) if numbers[1] > 31 else (numbers[1], numbers[0])
            return date(year, month_numbers[0], day)
    except ValueError:
        return None
    return None


CURRENCY_SYMBOLS = {
    "€": "EUR",
    "£": "GBP",
    "$": "USD",
    "CHF": "CHF",
    "Fr.": "CHF",
    "zł": "PLN",
    "kr": "SEK",
    "₹": "INR",
    "¥": "JPY",
}
ISO_CURRENCIES = (
    "EUR",
    "USD",
    "GBP",
    "CHF",
    "CAD",
    "AUD",
    "JPY",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "CZK",
    "INR",
    "HUF",
    "RON",
)


_PREFIX_SYMBOL = re.compile(r"(?<![\w.])Rs\.?\s?(?=\d)")
ISO_CODE = re.compile(rf"\b(?:{'|'.join(ISO_CURRENCIES)})\b")  # one pass over the text, not one per code


def smallest_coin(currency: str | None) -> Decimal:
    """The currency's cash unit (CLDR): forints are paid in whole units, so a tax may be rounded to one."""
    digits, _, cash_digits, _ = get_global("currency_fractions").get(currency or "", (2, 0, 2, 0))
    return Decimal(1).scaleb(-min(digits, cash_digits))


def find_currency(text: str) -> str | None:
    """The most frequent currency mentioned in the text, by ISO code or symbol (a tie goes to the code
    listed first)."""
    counts = dict.fromkeys(ISO_CURRENCIES, 0)
    for code in ISO_CODE.findall(text):
        counts[code] += 1
    for symbol, code in CURRENCY_SYMBOLS.items():
        if len(symbol) == 1:
            counts[code] = counts.get(code, 0) + text.count(symbol)
    counts["INR"] += len(_PREFIX_SYMBOL.findall(text))  # "Rs 1939": a symbol of letters, before a figure
    best = max(counts.items(), key=lambda item: item[1])
    return best[0] if best[1] else None
