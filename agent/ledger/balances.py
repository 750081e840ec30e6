"""Accounts' net balances for many accounts at once: six statements whatever the number of accounts,
invoices, credit notes or payments (`records.account_net_balance` reads one account, one query per
invoice, credit note and overpayment: fine for one reminder, not for a page or a book of a million).

The same arithmetic as `records.account_net_balance`: open invoices' amounts due minus what was allocated
to them, minus the unused part of the account's credit notes and of its overpayments. Money is summed in
Python: it is exact text on SQLite, where SQL arithmetic on it would go through floats.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from agent.models import Allocation, CreditNote, Invoice, Payment
from agent.models.ledger import InvoiceStatus

ZERO = Decimal("0.00")
OPEN = (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)


def account_net_balances(session: Session, account_ids: Iterable[int]) -> dict[int, Decimal]:
    """Net balance per account id (every id given is in the answer, ZERO when it has nothing)."""
    ids = sorted(set(account_ids))
    net: dict[int, Decimal] = dict.fromkeys(ids, ZERO)
    if not ids:
        return net
    of_account = col(Invoice.account_id).in_(ids)
    for account_id, amount in session.exec(
        select(col(Invoice.account_id), col(Invoice.amount_due)).where(
            of_account, col(Invoice.status).in_(OPEN)
        )
    ):
        net[account_id] += amount
    for account_id, amount in session.exec(
        select(col(Invoice.account_id), col(Allocation.amount))
        .join(Invoice, col(Invoice.id) == col(Allocation.invoice_id))
        .where(of_account, col(Invoice.status).in_(OPEN))
    ):
        net[account_id] -= amount
    # Unused credit: what each credit note or overpayment has left, never below zero (as the per-account
    # function counts only payments with something left).
    # Keys typed as the columns are (nullable ids); the rows read here all have them.
    notes: dict[int | None, tuple[int, Decimal]] = {
        note_id: (account_id, gross)
        for note_id, account_id, gross in session.exec(
            select(col(CreditNote.id), col(CreditNote.account_id), col(CreditNote.total_gross)).where(
                col(CreditNote.account_id).in_(ids)
            )
        )
    }
    payments: dict[int | None, tuple[Any, Decimal]] = {
        payment_id: (account_id, amount)
        for payment_id, account_id, amount in session.exec(
            select(col(Payment.id), col(Payment.account_id), col(Payment.amount)).where(
                col(Payment.account_id).in_(ids), Payment.status == "overpaid"
            )
        )
    }
    used_notes: dict[int | None, Decimal] = {}
    for note_id, amount in session.exec(
        select(col(Allocation.credit_note_id), col(Allocation.amount))
        .join(CreditNote, col(CreditNote.id) == col(Allocation.credit_note_id))
        .where(col(CreditNote.account_id).in_(ids))
    ):
        used_notes[note_id] = used_notes.get(note_id, ZERO) + amount
    used_payments: dict[int | None, Decimal] = {}
    for payment_id, amount in session.exec(
        select(col(Allocation.payment_id), col(Allocation.amount))
        .join(Payment, col(Payment.id) == col(Allocation.payment_id))
        .where(col(Payment.account_id).in_(ids), Payment.status == "overpaid")
    ):
        used_payments[payment_id] = used_payments.get(payment_id, ZERO) + amount
    for note_id, (account_id, gross) in notes.items():
        net[account_id] -= gross - used_notes.get(note_id, ZERO)
    for payment_id, (account_id, amount) in payments.items():
        net[account_id] -= max(amount - used_payments.get(payment_id, ZERO), ZERO)
    return net
