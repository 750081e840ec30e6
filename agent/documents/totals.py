"""The totals of a printed document, chosen by its arithmetic: every value under a label is a candidate,
and the net and tax kept are the ones with which net + tax = gross."""

from __future__ import annotations

import re
from decimal import Decimal

from agent.documents import labels
from agent.documents.labelled import BELOW_CONFIDENCE, Found, find_after_label
from agent.documents.parsing import AMOUNT_RE, parse_amount

CENT = Decimal("0.01")


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
    totals = {
        "gross": last(labels.TOTAL_GROSS) or last(labels.TOTAL_GROSS_WEAK),
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
    return totals


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
