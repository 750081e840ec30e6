"""Values next to their labels, in layout text: on the label's line to the right, or below it in its
column. The rules that tell a label from a word that looks like one live here: a strict label opens a
cell and stands alone up to its value; a value drifted right under another header is that header's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agent.documents import labels
from agent.documents.parsing import AMOUNT_RE, ISO_CODE, ISO_CURRENCIES
from agent.documents.parties import GAP, cell_label_re, label_words, spans_gap
from agent.documents.prefilter import candidate_lines

NUMBER_VALUE = re.compile(r"[A-Z0-9][A-Z0-9\-/_.]*\d[A-Z0-9\-/_.]*|\d+", re.IGNORECASE)
LABEL_CONFIDENCE, BELOW_CONFIDENCE = 0.95, 0.85
# What may stand between a strict label and its value: a currency, a colon, a filler word ("Date de
# facture le 2 mars", "Steuerbetrag in EUR"). Anything else means the label is part of another one
# ("Gesamtbetrag der Abschläge", "Date de facture associée").
LABEL_FILLER = re.compile(
    rf"\b(?:{'|'.join(ISO_CURRENCIES)}|in|en|le|la|du|vom|am|del|de|of|the|on|for|this|{labels.INVOICE_TITLES})\b"
    r"|[€$£:.()\[\]%/#\s]",
    re.IGNORECASE,
)


@dataclass
class Found:
    value: str
    line: int
    confidence: float
    how: str = ""  # the label and the value's place ("total ttc|below"): the layout memory compares it


def _label_re(vocabulary: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w])(?=\S)(?:{vocabulary})(?![\w])\s*[:.]?", re.IGNORECASE)


def _tail_is_filler(line: str, end: int) -> bool:
    tail = re.split(r"\s{3,}|(?=[\d\-\u2212])", line[end:], maxsplit=1)[0]
    return not LABEL_FILLER.sub("", tail)


def _names_other_currency(rest: str, currency: str) -> bool:
    """Whether the words between a label and its figure name a currency other than the document's."""
    words = re.split(r"\d", rest, maxsplit=1)[0]
    return any(code != currency for code in ISO_CODE.findall(words))


IDENTIFIER_PREFIX = re.compile(r"(?:\b[A-Z]{2}|[A-Z]{2}\s|[#№°/])\s?$")


def _first_value(value_re: re.Pattern[str], cell: str) -> str | None:
    """The first value in a cell that is not a rate ("TVA 20 % 240,00" holds 240,00) nor part of an
    identifier ("N° TVA : FR32 123 456 789" holds no amount). For amounts, one with decimals is
    preferred to a bare integer, which on an invoice is more often a quantity or a reference."""
    candidates = []
    for match in value_re.finditer(cell):
        if cell[match.end() :].lstrip().startswith("%"):
            continue
        if value_re is AMOUNT_RE and IDENTIFIER_PREFIX.search(cell[: match.start()]):
            continue
        candidates.append(match.group(0))
    if value_re is AMOUNT_RE:
        with_decimals = [c for c in candidates if re.search(r"[.,]\d{1,2}\)?$", c)]
        candidates = with_decimals or candidates
    return candidates[0] if candidates else None


def find_after_label(
    lines: list[str],
    vocabulary: str,
    value_re: re.Pattern[str],
    *,
    below: int = 2,
    last: bool = False,
    strict: bool = False,
    currency: str | None = None,
    every: list[Found] | None = None,
) -> Found | None:
    """The value right of a label on its line (same column), else in the lines just below it.

    `strict`: the label must open a cell and (for amounts and dates) be followed only by filler up to
    its value, so that "Total" does not match "Total HT" nor "Gesamtbetrag" "Gesamtbetrag der Abschläge".
    `currency`: a label that names another currency ("Steuerbetrag in EUR" on a GBP invoice) is skipped."""
    label_re = cell_label_re(vocabulary) if strict else _label_re(vocabulary)
    hits: list[Found] = []
    for index in candidate_lines(lines, vocabulary):
        line = lines[index]
        for label in label_re.finditer(line):
            if spans_gap(label):
                continue
            if strict and value_re is not NUMBER_VALUE and not _tail_is_filler(line, label.end()):
                continue  # (a number may begin with letters: no tail to check)
            rest = line[label.end() :]
            if currency and _names_other_currency(rest, currency):
                continue
            right = GAP.split(rest.strip(), maxsplit=4)
            while len(right) > 1 and not LABEL_FILLER.sub("", right[0]):
                right = right[1:]  # "Steuerbetrag in   EUR   1,18": cells of filler before the value
            # The value belongs to the label if it is in the next cell (a tabular layout allows one gap).
            for cell in right[:2]:
                value = _first_value(value_re, cell)
                if value:
                    hits.append(Found(value, index, LABEL_CONFIDENCE, f"{label_words(label.group(0))}|right"))
                    break
            else:
                # The next lines that have text in the label's column; lines blank there do not count
                # (the other column of a two-column layout may run on beside the label).
                window = range(index + 1, min(len(lines), index + 4 * below + 1))
                span = (label.start(), label.end())
                # The other headers of the label's row: a value drifted right under one of them is
                # theirs ("TOTAL HT  TOTAL TVA  TOTAL TTC" over "100,00   108,00", the tax a line lower).
                others = [(c.start(), c.end()) for c in CELL.finditer(line) if not _overlaps(c, *span)]
                cells = [(n, cell) for n in window if (cell := cell_under(lines[n], *span, others))]
                for number, cell in cells[:below]:
                    value = _first_value(value_re, cell)
                    if value:
                        hits.append(
                            Found(value, number, BELOW_CONFIDENCE, f"{label_words(label.group(0))}|below")
                        )
                        break
            if hits and not last:
                return hits[0]
    if every is not None:  # every candidate, for a caller that chooses by the document's arithmetic
        every.extend(hits)
    return hits[-1] if hits else None


CELL = re.compile(r"\S+(?:\s{1,2}\S+)*")


def cell_under(line: str, start: int, end: int, other_headers: Sequence[tuple[int, int]] = ()) -> str:
    """The cell of `line` that stands under a label spanning [start, end): one overlapping the label's
    columns (a date right-aligned under its header), else the first one to its right (a table whose
    values drift right of their headers), unless the line's figures stand under the `other_headers` of
    the label's row: then the one to the right is another column's."""
    cells = list(CELL.finditer(line))
    for cell in cells:
        if _overlaps(cell, start, end):
            return cell.group(0)
    under_others = [
        c
        for c in cells
        if any(ch.isdigit() for ch in c.group(0)) and any(_overlaps(c, *h) for h in other_headers)
    ]
    # A row of values aligned under the other headers is theirs; a lone value far right is a drift.
    taken = under_others if len(under_others) >= 2 else []
    right = next((c.group(0) for c in cells if c.start() >= start and c not in taken), "")
    if right or not other_headers:
        return right
    # A value drifted left of its header, in a table of headers: the cell nearest this header and
    # nearer to it than to any other ("Beschreibung ... Fälligkeit" over "Den Betrag ...   21.11.2018").
    # Only a figure wholly between the header on the left and this one, and nearer to this one.
    left_edge = max((b for a, b in other_headers if b <= start), default=0)
    centre = (start + end) / 2
    mine = [
        c
        for c in cells
        if c.start() >= left_edge
        and c.end() <= start
        and any(ch.isdigit() for ch in c.group(0))
        and _nearest(c, centre, other_headers)
    ]
    return mine[-1].group(0) if mine else ""


def _nearest(cell: re.Match[str], centre: float, other_headers: Sequence[tuple[int, int]]) -> bool:
    middle = (cell.start() + cell.end()) / 2
    return all(abs(middle - centre) < abs(middle - (a + b) / 2) for a, b in other_headers)


def _overlaps(cell: re.Match[str], start: int, end: int) -> bool:
    return cell.start() < end + 2 and cell.end() > start - 4  # layout text drifts a column or two
