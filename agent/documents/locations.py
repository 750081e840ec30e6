"""Where on the page each field was read: the page, the line and the span of the value in it.

The review screen shows it next to the value ("page 1, line 42: Total TTC   1 234,56 €"), so the person
who checks a doubtful document looks at the right place, and so does anyone asking later why a reminder
said what it said. Lines are those of the layout text, counted from 1 on each page.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence

from agent.documents.schema import ExtractedDocument, Location

_COLUMN_GAP = re.compile(r"\s{3,}")


def page_starts(pages: Sequence[str]) -> list[int]:
    """The index, in the lines of the pages joined by newlines, of each page's first line."""
    starts, joined = [], ""
    for number, page in enumerate(pages):
        starts.append(len((joined + "\n").splitlines()) if number else 0)
        joined = f"{joined}\n{page}" if number else page
    return starts


def locate(lines: Sequence[str], starts: Sequence[int], index: int, value: str) -> Location | None:
    """The location of `value` as printed on line `index` of the document, or None if it is not there."""
    value = value.strip()  # an amount read with the space before it (" 1 200,00")
    if not value or not 0 <= index < len(lines) or (column := lines[index].find(value)) < 0:
        return None
    page = bisect_right(starts, index)  # 1-based: starts[0] is 0
    # The line with its column gaps shortened to three spaces; the span is the value's in that text.
    before = _COLUMN_GAP.sub("   ", lines[index][:column]).lstrip()
    after = _COLUMN_GAP.sub("   ", lines[index][column + len(value) :]).rstrip()
    return Location(
        page=page,
        line=index - starts[page - 1] + 1,
        start=len(before),
        end=len(before) + len(value),
        text=before + value + after,
    )


def locations_of(
    lines: Sequence[str],
    starts: Sequence[int],
    found: dict[str, tuple[int, str] | None],
    printed: dict[str, str | None],
) -> dict[str, Location]:
    """Each field's location: `found` ones at the line they were read on, `printed` ones (names, ids)
    at the first line that carries them."""
    where: dict[str, Location] = {}
    for name, at in found.items():
        if at and (location := locate(lines, starts, *at)):
            where[name] = location
    for name, value in printed.items():
        index = next((n for n, line in enumerate(lines) if value and value in line), None)
        if value and index is not None and (location := locate(lines, starts, index, value)):
            where[name] = location
    return where


def field_value(document: ExtractedDocument, field: str) -> object:
    """A located field's value: "customer_name" is the customer's name, "total_tax" the total tax."""
    for prefix, party in (("customer_", document.customer), ("supplier_", document.supplier)):
        if field.startswith(prefix):
            return getattr(party, field.removeprefix(prefix), None)
    return getattr(document, field, None)
