"""The totals of a printed document, chosen by its arithmetic: every value under a label is a candidate,
and the net and tax kept are the ones with which net + tax = gross."""

from __future__ import annotations

import re
from decimal import Decimal

from agent.documents import labels
from agent.documents.labelled import BELOW_CONFIDENCE, LABEL_CONFIDENCE, Found, find_after_label
from agent.documents.parsing import AMOUNT_RE, ISO_CODE, parse_amount
from agent.documents.tax_table import READ, find_vat_breakdown

CENT = Decimal("0.01")
CENTS = re.compile(r"[.,]\d{2}\)?$")
WORD = re.compile(r"[^\W\d_]{3,}")


def amount_value(found: Found | None) -> Decimal | None:
    return abs(amount) if found and (amount := parse_amount(found.value)) is not None else None


def find_totals(lines: list[str], currency: str | None = None) -> dict[str, Found | None]:
    """The labelled totals. They stand at the end: the last labelled value wins over a table header's
    ("Montant HT"). A specific gross label ("Total TTC", "Bruttosumme") wins over a bare "Total"."""

    def last(vocabulary: str, below: int = 1, every: list[Found] | None = None) -> Found | None:
        return find_after_label(
            lines, vocabulary, AMOUNT_RE, below=below, last=True, strict=True, currency=currency, every=every
        )

    tax_candidates: list[Found] = []
    net_candidates: list[Found] = []
    gross_candidates: list[Found] = []
    totals = {
        "gross": last(labels.TOTAL_GROSS, every=gross_candidates) or last(labels.TOTAL_GROSS_WEAK),
        "net": last(labels.TOTAL_NET, every=net_candidates),
        "tax": last(labels.TOTAL_TAX, every=tax_candidates),
        "due": last(labels.AMOUNT_DUE),
        "prepaid": last(labels.PREPAID, below=0),
    }
    totals["tax"] = _tax_that_closes(totals, tax_candidates)
    net, tax, gross = (amount_value(totals[k]) for k in ("net", "tax", "gross"))
    if net is not None and tax is not None and gross is not None and abs(net + tax - gross) > CENT:
        # A "Subtotaal" that includes the tax is no net: the net is the candidate that closes the totals.
        closing = [
            c for c in net_candidates if (n := amount_value(c)) is not None and abs(n + tax - gross) <= CENT
        ]
        totals["net"] = closing[-1] if closing else totals["net"]
    unsure = []
    for key in ("gross", "net", "tax"):
        totals[key], sure = column_sum(lines, totals[key])
        if not sure:
            unsure.append(key)
    totals["rows"] = Found(",".join(unsure), -1, 0.0, "unsure") if unsure else None
    if not closes(*(amount_value(totals[k]) for k in ("net", "tax", "gross"))):
        # No last-printed triple closes: any other reading of the labelled values that does is the
        # document's own arithmetic (a subtotal printed after the gross, the tax total before a VAT row).
        combination = _closing(gross_candidates, net_candidates, tax_candidates)
        if combination:
            totals["gross"], totals["net"], totals["tax"] = combination
    return totals


def _closing(gross: list[Found], net: list[Found], tax: list[Found]) -> tuple[Found, Found, Found] | None:
    """The last-printed gross, net and tax among the candidates with which net + tax = gross."""
    for g in reversed(gross[-8:]):
        for n in reversed(net[-8:]):
            for t in reversed(tax[-8:]):
                if closes(amount_value(n), amount_value(t), amount_value(g)):
                    return g, n, t
    return None


def bare_total(found: Found) -> bool:
    """Read under a bare "Total"/"Gesamt" (`TOTAL_GROSS_WEAK`), not a gross label."""
    return not _GROSS_LABEL.fullmatch(found.how.rpartition("|")[0])


_GROSS_LABEL = re.compile(rf"(?:{labels.TOTAL_GROSS})", re.IGNORECASE)


def closes(net: Decimal | None, tax: Decimal | None, gross: Decimal | None) -> bool:
    return net is not None and tax is not None and gross is not None and abs(net + tax - gross) <= CENT


def _tax_that_closes(totals: dict[str, Found | None], candidates: list[Found]) -> Found | None:
    """The tax total among every value under a tax label: the one with which net + tax = gross (a VAT
    row of one rate, or a figure in a sentence under "IVA - autoliquidação", does not close them). With
    no tax printed at all and a net equal to the gross, the tax is 0.00 (reverse charge, export): the
    arithmetic says so. Otherwise the last one stands, and validation doubts the totals."""
    net, gross = amount_value(totals["net"]), amount_value(totals["gross"])
    chosen = totals["tax"]
    if net is None or gross is None:
        return chosen
    closing = [
        c for c in candidates if (tax := amount_value(c)) is not None and abs(net + tax - gross) <= CENT
    ]
    if closing:
        return closing[-1]
    if net == gross and not candidates:  # a tax printed and not closing is a misreading: doubted
        where = totals["gross"]
        return Found("0.00", where.line, BELOW_CONFIDENCE, "net = gross") if where else chosen
    return chosen


def confirmed_totals(
    lines: list[str], totals: dict[str, Found | None], currency: str | None
) -> tuple[Decimal | None, Decimal | None]:
    """The gross and the tax, completed where the document's arithmetic allows and a second printed
    figure confirms it: with no gross label, an amount due (nothing prepaid) that net + tax add up to is
    the gross; with no tax total that closes, VAT rows whose taxes add up to gross − net make that the
    tax (`tax_table`: each row's taxable × rate = tax)."""
    gross, net, tax = (amount_value(totals[k]) for k in ("gross", "net", "tax"))
    due = amount_value(totals["due"])
    if gross is None and net is not None and tax is not None:
        # An amount-due label over the sum ("Net à payer" before "Acompte versé" and "Solde dû").
        dues: list[Found] = []
        find_after_label(lines, labels.AMOUNT_DUE, AMOUNT_RE, strict=True, every=dues, last=True, below=1)
        summed = next((d for d in dues if closes(net, tax, amount_value(d))), None)
        if summed:
            totals["gross"] = Found(summed.value, summed.line, LABEL_CONFIDENCE, summed.how)
            gross = amount_value(summed)
    if net is not None and gross is not None and not closes(net, tax, gross) and gross > net:
        rows = find_vat_breakdown(lines, net, gross - net, currency)
        if rows and rows[1] == READ:
            tax = gross - net
            where = totals["tax"] or totals["gross"]
            totals["tax"] = Found(f"{tax}", where.line, BELOW_CONFIDENCE, "vat rows") if where else None
    if due is not None and gross is not None and due < gross and totals["prepaid"] is None:
        # "Acompte versé" in a grid of totals, its value in the row below: kept when gross − it = due.
        every: list[Found] = []
        find_after_label(lines, labels.PREPAID, AMOUNT_RE, below=1, strict=True, every=every, last=True)
        totals["prepaid"] = next((p for p in every if amount_value(p) == gross - due), None)
    return gross, tax


def column_sum(lines: list[str], found: Found | None) -> tuple[Found | None, bool]:
    """A value read under its header, and whether it is sure. A table of totals per VAT rate prints one
    row per rate under "Nettobetrag  MwSt-Betrag  Endbetrag", then their sums: the first row closes net
    + tax = gross as well as the sum row does. When the header's column holds more figures below the
    value, the one that is the sum of those above it is the total; with no such sum, the value is one row
    among several, and not sure."""
    if found is None or not found.how.endswith("|below"):
        return found, True
    start = lines[found.line].find(found.value)
    if start < 0:
        return found, True
    end = start + len(found.value)
    column: list[tuple[int, str]] = [(found.line, found.value)]
    for index in range(found.line + 1, min(len(lines), found.line + 6)):
        cell = next(
            (m for m in AMOUNT_RE.finditer(lines[index]) if m.start() < end + 2 and m.end() > start - 2), None
        )
        if WORD.search(ISO_CODE.sub("", lines[index])):
            break  # a labelled row of its own ("Acompte : 10,00") or a sentence: the column ended
        if cell and CENTS.search(cell.group(0)):  # an amount in cents, not a day or a count
            column.append((index, cell.group(0)))
        elif lines[index].strip():
            break  # a sentence or another table under it: the column ended
    if len(column) == 1:
        return found, True
    values = [parse_amount(value) for _, value in column]
    for at in range(len(values) - 1, 0, -1):
        above = values[:at]
        known = [value for value in above if value is not None]
        if values[at] is not None and len(known) == len(above) and values[at] == sum(known, Decimal(0)):
            line, value = column[at]
            return Found(value, line, found.confidence, found.how), True
    return found, False
