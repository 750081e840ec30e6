"""Line items from the layout text, as best effort: a row is an item when three of its numbers make
quantity × unit price = amount to the cent (after the row's own discount rate, when it prints one), and text
stands before them. No header needs to be recognised, so it holds in any language and column order; a
row whose arithmetic does not close is left out rather than guessed.
"""

from __future__ import annotations

import re
from decimal import Decimal
from itertools import combinations

from agent.documents.parsing import parse_amount, row_numbers
from agent.documents.schema import Line

CENT = Decimal("0.01")
MAX_ITEMS = 500
DESCRIPTION = re.compile(r"[^\W\d_]{2,}")


def _item(line: str) -> Line | None:
    numbers = [number for number in row_numbers(line) if not number.percent]
    if len(numbers) < 3:
        return None
    # A rate printed in the row may be its discount ("4,55 €  10 %  81,90 €"); none is the plain product.
    discounts = [Decimal(0)] + [
        rate
        for m in re.finditer(r"(\d{1,2}(?:[.,]\d{1,2})?)\s?%", line)
        if (rate := parse_amount(m.group(1)))
    ]
    # The amount is the row's last number as often as not; try the right-most triples first.
    for first, second, third in sorted(combinations(numbers, 3), key=lambda triple: -triple[2].start):
        q_at, quantity, price, amount = first.start, first.value, second.value, third.value
        if quantity <= 0 or amount == 0 or price == 0 or not third.in_cents:
            continue
        product = quantity * price
        if not any(abs(product * (100 - rate) / 100 - amount) <= CENT for rate in discounts):
            continue
        description = line[:q_at].strip()
        words = DESCRIPTION.findall(description)
        if not words:
            return None
        return Line(
            description=re.sub(r"\s{2,}", " ", description),
            quantity=quantity,
            unit_price=price,
            amount=amount,
        )
    return None


def find_items(lines: list[str]) -> list[Line]:
    items = []
    for line in lines:
        if item := _item(line):
            items.append(item)
            if len(items) >= MAX_ITEMS:
                break
    return items
