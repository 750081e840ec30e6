"""Payments: import from a CSV bank or accounting export, allocate to invoices, stop reminders.

Matching, most certain first: an invoice number in the remittance text; else the payer's account
with exactly one open invoice of exactly that amount. Anything else becomes a task with the
candidates: we never guess silently. The same payment imported twice (same bank reference, or the
same row) is recognised and not counted twice. A paid invoice's pending steps are cancelled in the
same transaction as the allocation that paid it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlmodel import Session, col, select

from agent.accounts import normalize_name
from agent.documents.parsing import parse_amount, parse_date
from agent.ledger import allocate, apply_payment_credit, open_balance, open_invoices
from agent.models import Account, Invoice, Payment, SyncState
from agent.models.ledger import InvoiceStatus

COLUMN_NAMES = {
    "date": ("date", "booking date", "value date", "date opération", "date valeur", "buchungstag", "datum"),
    "amount": ("amount", "montant", "betrag", "credit", "crédit", "importe"),
    "currency": ("currency", "devise", "währung", "waehrung", "moneda"),
    "reference": (
        "reference",
        "référence",
        "libellé",
        "libelle",
        "verwendungszweck",
        "remittance",
        "description",
        "label",
    ),
    "payer": ("payer", "counterparty", "tiers", "émetteur", "auftraggeber", "name", "debtor"),
    "bank_reference": ("bank reference", "transaction id", "id", "référence banque", "end to end id"),
}


@dataclass
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    matched: int = 0
    unmatched: int = 0
    errors: list[str] = field(default_factory=list)
    paid_invoices: list[str] = field(default_factory=list)


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    lowered = [h.strip().lower() for h in header]
    for key, names in COLUMN_NAMES.items():
        for index, name in enumerate(lowered):
            if name in names and key not in found:
                found[key] = index
    return found


def read_csv_rows(data: bytes) -> tuple[dict[str, int], list[list[str]]]:
    text = data.decode("utf-8-sig")  # a BOM is common in spreadsheet exports
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error as error:
        raise ValueError("not a CSV with ';', ',' or tab separated columns") from error
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        raise ValueError("empty file")
    columns = _columns(rows[0])
    missing = [key for key in ("date", "amount") if key not in columns]
    if missing:
        raise ValueError(f"no column for {', '.join(missing)} in header {rows[0]}")
    return columns, [row for row in rows[1:] if any(cell.strip() for cell in row)]


def _normalize_number(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def find_invoice_numbers(session: Session, reference: str) -> list[Invoice]:
    """Open invoices whose number appears in the remittance text, tolerant to spaces, dashes, prefixes."""
    compact = _normalize_number(reference)
    candidates = session.exec(
        select(Invoice).where(col(Invoice.status).in_([InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID]))
    ).all()
    return [
        i
        for i in candidates
        if len(_normalize_number(i.number)) >= 3 and _normalize_number(i.number) in compact
    ]


def _match(session: Session, payment: Payment) -> tuple[list[Invoice], str]:
    by_number = [
        i for i in find_invoice_numbers(session, payment.reference) if i.currency == payment.currency
    ]
    if by_number:
        return by_number, "invoice number in the remittance text"
    if payment.payer:
        normalized = normalize_name(payment.payer)
        accounts = session.exec(select(Account).where(Account.normalized_name == normalized)).all()
        if len(accounts) == 1:
            exact = [
                i
                for i in open_invoices(session, accounts[0].id or 0)
                if i.currency == payment.currency and open_balance(session, i) == payment.amount
            ]
            if len(exact) == 1:
                return exact, "payer's only open invoice of exactly this amount"
    return [], "no invoice number and no unique exact amount"


def record_payment(session: Session, payment: Payment, *, at: datetime, tolerance: Decimal) -> list[Invoice]:
    """Allocate a new payment to the invoices it matches; returns the invoices it touched."""
    invoices, why = _match(session, payment)

    def explain(amount: Decimal, invoice: Invoice) -> str:
        return (
            f"{amount} {payment.currency} of payment {payment.external_id} ({payment.received_on}) "
            f"applied to invoice {invoice.number}: {why}"
        )

    remaining, made = allocate(
        session,
        invoices=invoices,
        available=payment.amount,
        explain=explain,
        action="payment_applied",
        at=at,
        tolerance=tolerance,
        payment=payment,
    )
    if made:
        payment.account_id = {i.id: i for i in invoices}[made[-1].invoice_id].account_id
    if not invoices:
        payment.status = "unmatched"
    elif remaining > 0:
        payment.status = "overpaid"  # the remainder is account credit: other open invoices, then the next one
        session.add(payment)
        session.flush()
        apply_payment_credit(session, payment=payment, at=at, tolerance=tolerance)
    else:
        payment.status = "matched"
    session.add(payment)
    return invoices


def import_csv(
    session: Session, path: Path, *, at: datetime, tolerance: Decimal, default_currency: str = "EUR"
) -> ImportReport:
    report = ImportReport()
    data = path.read_bytes()
    columns, rows = read_csv_rows(data)
    for number, row in enumerate(rows, start=2):

        def cell(key: str, row: list[str] = row) -> str:
            return row[columns[key]].strip() if key in columns and columns[key] < len(row) else ""

        amount, received = parse_amount(cell("amount")), parse_date(cell("date"))
        if amount is None or received is None:
            report.errors.append(
                f"line {number}: unreadable amount {cell('amount')!r} or date {cell('date')!r}"
            )
            continue
        if amount <= 0:
            continue  # outgoing money is not a customer payment
        fingerprint = hashlib.sha256("|".join(row).encode()).hexdigest()[:32]
        external_id = cell("bank_reference") or f"row:{fingerprint}"
        if session.exec(select(Payment).where(Payment.external_id == external_id)).first():
            report.duplicates += 1
            continue
        payment = Payment(
            external_id=external_id,
            received_on=received,
            amount=amount,
            currency=(cell("currency") or default_currency).upper(),
            reference=cell("reference"),
            payer=cell("payer") or None,
            source="csv",
            created_at=at,
        )
        session.add(payment)
        session.flush()
        report.imported += 1
        touched = record_payment(session, payment, at=at, tolerance=tolerance)
        if touched:
            report.matched += 1
            report.paid_invoices += [i.number for i in touched if i.status == InvoiceStatus.PAID]
        else:
            report.unmatched += 1
    mark_synced(session, at)
    return report


def mark_synced(session: Session, at: datetime) -> None:
    state = session.get(SyncState, "payments.last_sync") or SyncState(name="payments.last_sync", value="")
    state.value, state.updated_at = at.isoformat(), at
    session.add(state)
