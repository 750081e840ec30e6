"""The VAT breakdown on the text path: the tax at each rate, read from the rows that print it.

Like line items, a row is recognised by its arithmetic, not by a header: it holds a rate (a number
followed by "%", or a bare number up to 30 on a row that names the tax) and two amounts where
taxable × rate = tax, rounded to the cent ("TVA 20,0 %   81,90 €   16,38 €", "Umsatzsteuer  S  252,10
19  47,90"). Rows that close this way also occur among the items, so the breakdown kept is the set of
rows, one per rate, that adds up to the document's net and tax totals. When no such set exists but
exactly one rate printed on the page closes the totals themselves (net × rate = tax), that one rate is
the breakdown. Otherwise there is none: nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice, product

from agent.documents.parsing import parse_amount, row_numbers, smallest_coin
from agent.documents.prefilter import candidate_lines
from agent.documents.schema import VatRate

CENT = Decimal("0.01")
ZERO = Decimal("0")
HIGHEST_RATE = Decimal(30)  # no country's VAT rate is above 27 %
MAX_CHOICES = 4096  # combinations of rows tried against the totals
READ = 0.9  # rows that add up to the totals
FROM_TOTALS = 0.8  # one printed rate that closes the totals
TAX_WORD = r"tva|vat|tax|ust|umsatzsteuer|mehrwertsteuer|mwst|steuer|iva|btw|impuesto|imposta|imposto"
_TAX_WORD = re.compile(rf"(?<![^\W\d_])(?:{TAX_WORD})", re.IGNORECASE)


@dataclass(frozen=True)
class RateRow:
    line: int
    rate: Decimal
    taxable: Decimal
    tax: Decimal


def rate_rows(lines: list[str], unit: Decimal = CENT) -> list[RateRow]:
    """Every row whose numbers close taxable × rate = tax (within the currency's smallest coin)."""
    rows = []
    for index in _rows_with_rates(lines):
        if row := _rate_row(index, lines[index], unit):
            rows.append(row)
    return rows


def _rows_with_rates(lines: list[str]) -> list[int]:
    percent = [n for n, line in enumerate(lines) if "%" in line]
    named = candidate_lines(lines, TAX_WORD)
    return sorted(set(percent) | {n for n in named if _TAX_WORD.search(lines[n])})


def _rate_row(index: int, line: str, unit: Decimal) -> RateRow | None:
    numbers = row_numbers(line)
    names_the_tax = bool(_TAX_WORD.search(line))
    for position, (_start, _end, value, in_cents, with_percent) in enumerate(numbers):
        if not (0 <= value <= HIGHEST_RATE) or not (with_percent or (names_the_tax and not in_cents)):
            continue
        money = [(n.value, n.start) for k, n in enumerate(numbers) if k != position and n.in_cents]
        for (taxable, at), (tax, tax_at) in product(money, money):
            if at == tax_at or taxable == 0 or (value == 0 and tax != 0):
                continue
            if abs((taxable * value / 100).quantize(CENT) - tax) <= max(unit, CENT):
                return RateRow(index, value, taxable, tax)
    return None


def find_vat_breakdown(
    lines: list[str], net: Decimal | None, tax: Decimal | None, currency: str | None
) -> tuple[list[VatRate], float] | None:
    """The breakdown and its confidence, or None. `net` and `tax` are the totals as read (positive)."""
    if net is None or tax is None:
        return None  # nothing to check rows against: items close the same arithmetic
    unit = smallest_coin(currency)
    rows = rate_rows(lines, unit)
    if chosen := _rows_adding_up(rows, net, tax):
        sign = -1 if sum(row.taxable for row in chosen) < 0 else 1  # a credit note printed negative
        return [VatRate(rate=r.rate, taxable=sign * r.taxable, tax=sign * r.tax) for r in chosen], READ
    closing = {
        rate
        for rate in _printed_rates(lines)
        if net and abs((net * rate / 100).quantize(CENT) - tax) <= max(unit, CENT)
    }
    if len(closing) == 1:
        return [VatRate(rate=closing.pop(), taxable=net, tax=tax)], FROM_TOTALS
    return None


def _rows_adding_up(rows: list[RateRow], net: Decimal, tax: Decimal) -> list[RateRow]:
    """One row per rate (or none for a rate), whose taxable amounts and taxes add up to the totals.
    Later rows are tried first (a breakdown stands after the items), and fuller sets before smaller."""
    by_rate: dict[Decimal, list[RateRow]] = {}
    for row in reversed(rows):
        by_rate.setdefault(row.rate, []).append(row)
    choices = [[*candidates[:3], None] for candidates in by_rate.values()]
    for combination in islice(product(*choices), MAX_CHOICES):
        chosen = [row for row in combination if row is not None]
        if not chosen:
            continue
        tolerance = CENT * len(chosen)
        taxable, taxes = sum((r.taxable for r in chosen), ZERO), sum((r.tax for r in chosen), ZERO)
        if abs(abs(taxable) - net) <= tolerance and abs(abs(taxes) - tax) <= tolerance:
            return sorted(chosen, key=lambda r: r.line)
    return []


def _printed_rates(lines: list[str]) -> set[Decimal]:
    rates = set()
    for line in lines:
        for match in re.finditer(r"(\d{1,2}(?:[.,]\d{1,3})?)\s?%", line):
            rate = parse_amount(match.group(1))
            if rate is not None and 0 < rate <= HIGHEST_RATE:
                rates.add(rate)
    return rates
