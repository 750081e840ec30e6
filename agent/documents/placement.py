"""Where a value sits on a page, said the way the layout memory remembers it ("date d échéance|right":
the label's words and the value's place), and the way back: reading a field at a remembered place.

A person who corrects a field teaches the layout where that field is printed. `teach` finds the corrected
value on the page and the label that leads to it, and keeps that place only if reading there (`read_at`,
the very function a later document goes through) gives the value back on the same line. So nothing is
remembered that would not be read again, and a value printed without a label teaches nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from agent.documents.labelled import CELL, LABEL_FILLER, NUMBER_VALUE, Found, find_after_label
from agent.documents.parsing import AMOUNT_RE, DATE_RE, parse_amount, parse_date
from agent.documents.parties import GAP, label_words

AMOUNTS = ("total_net", "total_tax", "total_gross", "amount_due")
VALUE_PATTERNS: dict[str, re.Pattern[str]] = {
    "number": NUMBER_VALUE,
    "referenced_invoice": NUMBER_VALUE,
    "issue_date": DATE_RE,
    "due_date": DATE_RE,
    **dict.fromkeys(AMOUNTS, AMOUNT_RE),
}
TEACHABLE = tuple(VALUE_PATTERNS)  # fields read next to a label (names and addresses are read as blocks)
LABEL_ABOVE = 5  # lines: how far above its value a column header may stand


@dataclass(frozen=True)
class PageText:
    """A document's layout text, with what reading its values needs: the numeric date order and the
    currency (a total labelled in another currency is not the document's)."""

    text: str
    month_first: bool = False
    currency: str | None = None
    starts: Sequence[int] = (0,)
    lines: list[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", [line.rstrip() for line in self.text.splitlines()])


Value = str | date | Decimal


def value_of(name: str, printed: str, page: PageText) -> Value | None:
    """The value of field `name` as printed ("02/03/2022" -> 2022-03-02; "(1 234,50)" -> 1234.50)."""
    if VALUE_PATTERNS.get(name) is DATE_RE:
        return parse_date(printed, page.month_first)
    if name in AMOUNTS:
        amount = parse_amount(printed)
        return abs(amount) if amount is not None else None
    return printed.strip() or None


def read_at(page: PageText, name: str, how: str) -> Found | None:
    """Field `name` read at a remembered label and place; None unless it is found there, and there only
    (a label followed by its value on the line is not a header above it)."""
    label, _, place = how.rpartition("|")
    value_re = VALUE_PATTERNS.get(name)
    if value_re is None or place not in ("right", "below") or not label.strip():
        return None
    vocabulary = r"\W*".join(re.escape(word) for word in label.split())
    found = find_after_label(
        page.lines,
        vocabulary,
        value_re,
        strict=True,
        last=name in AMOUNTS,  # totals stand at the end; a table header's "Amount" comes first
        currency=page.currency if name in AMOUNTS else None,
    )
    if found is None or found.how != how or value_of(name, found.value, page) is None:
        return None
    return found


def teach(page: PageText, name: str, value: Value) -> str | None:
    """Where field `name`, whose true value a person gave, is printed: the label and place to read it at
    on the next document of this layout; None when no label leads to it."""
    if name not in VALUE_PATTERNS:
        return None
    for index, start, end in _printed_at(page, name, value):
        for how in _labels_of(page.lines, index, start, end):
            found = read_at(page, name, how)
            if found and found.line == index and value_of(name, found.value, page) == value:
                return how
    return None


def _printed_at(page: PageText, name: str, value: Value) -> Iterator[tuple[int, int, int]]:
    """Each place (line, start, end) where the value is printed; totals from the bottom up."""
    order = range(len(page.lines) - 1, -1, -1) if name in AMOUNTS else range(len(page.lines))
    pattern = VALUE_PATTERNS[name]
    for index in order:
        line = page.lines[index]
        if isinstance(value, str):  # a number: as printed, not a part of a longer one
            at = re.search(rf"(?<![\w/.-]){re.escape(value)}(?![\w/-])", line)
            if at:
                yield index, at.start(), at.end()
            continue
        for printed in pattern.finditer(line):
            if value_of(name, printed.group(0), page) == value:
                yield index, printed.start(), printed.end()


def _labels_of(lines: list[str], index: int, start: int, end: int) -> Iterator[str]:
    """The places that may lead to a value printed at lines[index][start:end]: the cell before it on its
    line (or the words before it in its own cell), then the header above it in its column."""
    before = [cell for cell in GAP.split(lines[index][:start].strip()) if cell]
    while before and not LABEL_FILLER.sub("", before[-1]):
        before.pop()  # "Montant dû   EUR   1 200,00": the currency between label and value
    if before and _is_label(words := label_words(before[-1])):
        yield f"{words}|right"
    for above in range(index - 1, max(-1, index - 1 - LABEL_ABOVE), -1):
        over = [c for c in CELL.finditer(lines[above]) if c.start() < end + 2 and c.end() > start - 4]
        if not over:
            continue  # blank in this column: a header may stand higher
        if _is_label(words := label_words(over[0].group(0))):
            yield f"{words}|below"
        return


def _is_label(words: str) -> bool:
    """Words that may head a value on every document of a layout: they begin with a word ("8 place
    Bellecour" before "69002" is an address) and hold no figure of this document's own (a number
    "F2022", a year), only a code the tool prints each time ("Handelsrechnung (380)")."""
    tokens = words.split()
    return (
        bool(tokens) and not tokens[0][0].isdigit() and not any(_OWN_FIGURE.search(token) for token in tokens)
    )


_OWN_FIGURE = re.compile(r"\d{4}|[^\W\d_]\d|\d[^\W\d_]")  # four digits, or letters and digits mixed
