"""CSV exports a person opens in a spreadsheet: every cell that a spreadsheet would run as a formula is
neutralised.

A customer controls some of what relance stores (a company name read from their invoice, a contact's
name, a payment's remittance text). Written into a CSV as it is, `=HYPERLINK("http://…")` or
`+cmd|' /C calc'!A0` becomes a formula when finance opens the file (CSV injection, OWASP). A cell that
starts with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a leading apostrophe, which
spreadsheets show as text and do not display. Numbers we write ourselves (amounts, ids) are not cells a
customer controls and stay numbers: a negative amount keeps its minus sign.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """One cell as text, neutralised when a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return str(value)  # ours, never a customer's words: a negative amount stays a number
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The whole file: a header line, then one line per row, every cell through `safe_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()


INVOICE_COLUMNS = (
    "number", "customer", "issue_date", "due_date", "currency", "total_gross", "amount_due", "balance",
    "status", "paused",
)  # fmt: skip


def invoices_csv(rows: Iterable[dict[str, Any]]) -> str:
    """The invoice list (agent.views.lists.invoices rows) as a CSV file: amounts as numbers (ours), the
    number and the customer's name as neutralised text (theirs)."""
    return to_csv(
        INVOICE_COLUMNS,
        (
            [
                r["number"], r["account"], r["issue_date"], r["due_date"], r["currency"],
                Decimal(r["total_gross"]), Decimal(r["amount_due"]), Decimal(r["balance"]), r["status"],
                bool(r["paused"]),
            ]
            for r in rows
        ),
    )  # fmt: skip
