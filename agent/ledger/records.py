"""Invoices, credit notes and the allocations between them.

A balance is always derived from allocations, never stored: the audit trail and the number cannot
disagree. Credit notes go to the invoice they reference first, then to the customer's oldest open
invoices; what is left stays on the account and is used by the next invoice.

The ledger does not know the reminders. Every function that moves money takes a `schedule`
(`ScheduleFollower`): the caller's promise of what the reminders do when an invoice's balance moves (record
the change with its cause, stop the steps of a settled invoice). `agent.reminders.schedule.follow_money`
is the one the product passes; it acts in the same transaction as the allocation.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from sqlmodel import Session, col, select

from agent import audit
from agent.documents.schema import ExtractedDocument
from agent.models import Allocation, CreditNote, Document, Invoice, Payment
from agent.models.ledger import InvoiceStatus

ZERO = Decimal("0.00")


class ScheduleFollower(Protocol):
    """What the reminders do when money moves on an invoice (see the module's docstring)."""

    def change(self, *, invoice_id: int, cause: str) -> AbstractContextManager[None]:
        """Around one allocation: the invoice's schedule before and after, written down with its cause."""
        ...

    def settled(self, *, invoice_id: int, reason: str) -> None:
        """The invoice is paid or credited: none of its pending steps may go out."""
        ...


@dataclass(frozen=True)
class Recorded:
    kind: str  # invoice | credit_note
    id: int
    outcome: str  # created | duplicate | corrected


def allocated_to_invoice(session: Session, invoice_id: int) -> Decimal:
    amounts = session.exec(select(col(Allocation.amount)).where(Allocation.invoice_id == invoice_id)).all()
    return sum(amounts, ZERO)


def open_balance(session: Session, invoice: Invoice) -> Decimal:
    return invoice.amount_due - allocated_to_invoice(session, invoice.id or 0)


def credit_remaining(session: Session, credit_note: CreditNote) -> Decimal:
    amounts = session.exec(
        select(col(Allocation.amount)).where(Allocation.credit_note_id == credit_note.id)
    ).all()
    return credit_note.total_gross - sum(amounts, ZERO)


def refresh_status(
    session: Session, invoice: Invoice, *, tolerance: Decimal, schedule: ScheduleFollower
) -> str:
    """Status from the balance. Paid or credited invoices lose their pending reminder steps here,
    in the same transaction as the allocation that settled them."""
    balance = open_balance(session, invoice)
    allocations = session.exec(select(Allocation).where(Allocation.invoice_id == invoice.id)).all()
    if balance <= tolerance:
        paid_by_payment = any(a.payment_id for a in allocations)
        invoice.status = InvoiceStatus.PAID if paid_by_payment else InvoiceStatus.CREDITED
        schedule.settled(
            invoice_id=invoice.id or 0,
            reason=f"invoice {invoice.status.replace('_', ' ')} (balance {balance})",
        )
    elif allocations:
        invoice.status = InvoiceStatus.PARTIALLY_PAID
    else:
        invoice.status = InvoiceStatus.OPEN
    session.add(invoice)
    return invoice.status


def open_invoices(session: Session, account_id: int) -> list[Invoice]:
    statement = (
        select(Invoice)
        .where(Invoice.account_id == account_id)
        .where(col(Invoice.status).in_([InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID]))
        .order_by(col(Invoice.due_date), col(Invoice.id))
    )
    return list(session.exec(statement))


def record_document(
    session: Session, *, document: Document, extraction: ExtractedDocument, account_id: int, at: datetime
) -> Recorded:
    """Create the invoice or credit note; recognise a forward of the same document (same number, same
    amount) and a corrected re-issue (same number, other amounts), which updates with an audit event."""
    if extraction.number is None or extraction.issue_date is None or extraction.total_gross is None:
        raise ValueError("an invoice needs a number, an issue date and a total before it is recorded")
    if extraction.document_type == "credit_note":
        return _record_credit_note(
            session, document=document, extraction=extraction, account_id=account_id, at=at
        )
    existing = session.exec(
        select(Invoice).where(Invoice.account_id == account_id, Invoice.number == extraction.number)
    ).first()
    amount_due = extraction.amount_due if extraction.amount_due is not None else extraction.total_gross
    due_date = extraction.due_date or extraction.issue_date
    if existing:
        if existing.total_gross == extraction.total_gross and existing.due_date == due_date:
            audit.record(
                session,
                at=at,
                entity="invoice",
                entity_id=existing.id,
                action="duplicate_ignored",
                message=f"Invoice {existing.number} forwarded again; already recorded",
                document_id=document.id,
            )
            return Recorded("invoice", existing.id or 0, "duplicate")
        before = {"total_gross": str(existing.total_gross), "due_date": str(existing.due_date)}
        existing.total_net, existing.total_tax = extraction.total_net, extraction.total_tax
        existing.total_gross, existing.amount_due, existing.due_date = (
            extraction.total_gross,
            amount_due,
            due_date,
        )
        existing.document_id = document.id
        session.add(existing)
        audit.record(
            session,
            at=at,
            entity="invoice",
            entity_id=existing.id,
            action="corrected",
            message=f"Invoice {existing.number} re-issued with other amounts or dates",
            before=before,
            after={"total_gross": str(extraction.total_gross), "due_date": str(due_date)},
        )
        return Recorded("invoice", existing.id or 0, "corrected")
    invoice = Invoice(
        account_id=account_id,
        document_id=document.id,
        number=extraction.number,
        issue_date=extraction.issue_date,
        due_date=due_date,
        currency=extraction.currency or "EUR",
        total_net=extraction.total_net,
        total_tax=extraction.total_tax,
        total_gross=extraction.total_gross,
        amount_due=amount_due,
        created_at=at,
    )
    session.add(invoice)
    session.flush()
    audit.record(
        session,
        at=at,
        entity="invoice",
        entity_id=invoice.id,
        action="recorded",
        message=f"Invoice {invoice.number} recorded: {invoice.amount_due} {invoice.currency} "
        f"due {invoice.due_date}",
        document_id=document.id,
    )
    return Recorded("invoice", invoice.id or 0, "created")


def _record_credit_note(
    session: Session, *, document: Document, extraction: ExtractedDocument, account_id: int, at: datetime
) -> Recorded:
    existing = session.exec(
        select(CreditNote).where(CreditNote.account_id == account_id, CreditNote.number == extraction.number)
    ).first()
    if existing:
        return Recorded("credit_note", existing.id or 0, "duplicate")
    credit = CreditNote(
        account_id=account_id,
        document_id=document.id,
        number=extraction.number or "",
        issue_date=extraction.issue_date or at.date(),
        currency=extraction.currency or "EUR",
        total_gross=extraction.total_gross or ZERO,
        referenced_invoice=extraction.referenced_invoice,
        created_at=at,
    )
    session.add(credit)
    session.flush()
    audit.record(
        session,
        at=at,
        entity="credit_note",
        entity_id=credit.id,
        action="recorded",
        message=f"Credit note {credit.number} recorded: {credit.total_gross} {credit.currency}"
        + (f" for invoice {credit.referenced_invoice}" if credit.referenced_invoice else ""),
    )
    return Recorded("credit_note", credit.id or 0, "created")


def allocate(
    session: Session,
    *,
    invoices: list[Invoice],
    available: Decimal,
    explain: Callable[[Decimal, Invoice], str],
    action: str,
    at: datetime,
    tolerance: Decimal,
    schedule: ScheduleFollower,
    credit_note: CreditNote | None = None,
    payment: Payment | None = None,
) -> tuple[Decimal, list[Allocation]]:
    """Apply up to `available` to `invoices`, in the order given. Each allocation carries its reason in
    words (also the audit line); each invoice's status is refreshed after its cause is written, so paid or
    credited invoices lose their pending steps in this transaction. Returns what is left and what was made."""
    remaining, made = available, []
    for invoice in invoices:
        if remaining <= ZERO:
            break
        amount = min(open_balance(session, invoice), remaining)
        if amount <= ZERO:
            continue
        explanation = explain(amount, invoice)
        with schedule.change(invoice_id=invoice.id or 0, cause=explanation):
            made.append(
                _allocate_one(
                    session, invoice, amount, explanation, action=action, at=at, tolerance=tolerance,
                    schedule=schedule, credit_note=credit_note, payment=payment,
                )
            )  # fmt: skip
        remaining -= amount
    return remaining, made


def _allocate_one(
    session: Session,
    invoice: Invoice,
    amount: Decimal,
    explanation: str,
    *,
    action: str,
    at: datetime,
    tolerance: Decimal,
    schedule: ScheduleFollower,
    credit_note: CreditNote | None,
    payment: Payment | None,
) -> Allocation:
    allocation = Allocation(
        invoice_id=invoice.id or 0,
        credit_note_id=credit_note.id if credit_note else None,
        payment_id=payment.id if payment else None,
        amount=amount,
        created_at=at,
        explanation=explanation,
    )
    session.add(allocation)
    session.flush()
    audit.record(
        session,
        at=at,
        entity="invoice",
        entity_id=invoice.id,
        action=action,
        message=explanation,
        amount=str(amount),
        credit_note_id=credit_note.id if credit_note else None,
        payment_id=payment.id if payment else None,
    )
    refresh_status(session, invoice, tolerance=tolerance, schedule=schedule)
    return allocation


def apply_credit(
    session: Session, *, credit_note: CreditNote, at: datetime, tolerance: Decimal, schedule: ScheduleFollower
) -> list[Allocation]:
    """Apply what is left of a credit note: referenced invoice first, then oldest due first."""
    invoices = open_invoices(session, credit_note.account_id)
    invoices = [i for i in invoices if i.currency == credit_note.currency]
    referenced = [
        i for i in invoices if credit_note.referenced_invoice and i.number == credit_note.referenced_invoice
    ]
    ordered = referenced + [i for i in invoices if i not in referenced]

    def explain(amount: Decimal, invoice: Invoice) -> str:
        why = (
            "referenced by the credit note"
            if invoice in referenced
            else "oldest open invoice of the customer"
        )
        return (
            f"{amount} {credit_note.currency} of credit note {credit_note.number} applied to "
            f"invoice {invoice.number} ({why})"
        )

    remaining, made = allocate(
        session,
        invoices=ordered,
        available=credit_remaining(session, credit_note),
        explain=explain,
        action="credit_applied",
        at=at,
        tolerance=tolerance,
        schedule=schedule,
        credit_note=credit_note,
    )
    if remaining > ZERO:
        audit.record(
            session,
            at=at,
            entity="credit_note",
            entity_id=credit_note.id,
            action="credit_left",
            message=f"{remaining} {credit_note.currency} of credit note {credit_note.number} stays "
            "on the account for the next invoice",
            amount=str(remaining),
        )
    return made


def payment_remaining(session: Session, payment: Payment) -> Decimal:
    used = session.exec(select(col(Allocation.amount)).where(Allocation.payment_id == payment.id)).all()
    return payment.amount - sum(used, ZERO)


def apply_payment_credit(
    session: Session, *, payment: Payment, at: datetime, tolerance: Decimal, schedule: ScheduleFollower
) -> None:
    """An overpayment is account credit: what is left of it goes to the customer's open invoices, oldest
    due first, each allocation explained; the rest stays on the account for the next invoice."""
    if payment.account_id is None:
        return
    invoices = [i for i in open_invoices(session, payment.account_id) if i.currency == payment.currency]

    def explain(amount: Decimal, invoice: Invoice) -> str:
        return (
            f"{amount} {payment.currency} left over from payment {payment.external_id} "
            f"({payment.received_on}, an overpayment) applied to invoice {invoice.number} "
            "(oldest open invoice of the customer)"
        )

    remaining, _made = allocate(
        session,
        invoices=invoices,
        available=payment_remaining(session, payment),
        explain=explain,
        action="payment_credit_applied",
        at=at,
        tolerance=tolerance,
        schedule=schedule,
        payment=payment,
    )
    if remaining > ZERO:
        audit.record(
            session,
            at=at,
            entity="payment",
            entity_id=payment.id,
            action="credit_left",
            message=f"{remaining} {payment.currency} of payment {payment.external_id} stays on the account "
            "as credit for the next invoice",
            amount=str(remaining),
        )


def _payments_with_credit(session: Session, account_id: int) -> list[Payment]:
    payments = session.exec(
        select(Payment)
        .where(Payment.account_id == account_id, Payment.status == "overpaid")
        .order_by(col(Payment.id))
    ).all()
    return [p for p in payments if payment_remaining(session, p) > ZERO]


def apply_available_credits(
    session: Session, *, account_id: int, at: datetime, tolerance: Decimal, schedule: ScheduleFollower
) -> None:
    """Use credit left on the account (credit notes, then overpayments, oldest first) on its open invoices."""
    credits = session.exec(
        select(CreditNote).where(CreditNote.account_id == account_id).order_by(col(CreditNote.id))
    ).all()
    for credit in credits:
        if credit_remaining(session, credit) > ZERO:
            apply_credit(session, credit_note=credit, at=at, tolerance=tolerance, schedule=schedule)
    for payment in _payments_with_credit(session, account_id):
        apply_payment_credit(session, payment=payment, at=at, tolerance=tolerance, schedule=schedule)


def account_in_credit(session: Session, account_id: int) -> bool:
    """True when the account's unused credit covers all it owes. Most accounts have neither a credit
    note nor an overpayment, and then the answer needs two small queries, not a balance per invoice."""
    has_credit_note = session.exec(
        select(CreditNote.id).where(CreditNote.account_id == account_id).limit(1)
    ).first()
    has_overpayment = session.exec(
        select(Payment.id).where(Payment.account_id == account_id, Payment.status == "overpaid").limit(1)
    ).first()
    if has_credit_note is None and has_overpayment is None:
        return False
    return account_net_balance(session, account_id) <= 0


def account_net_balance(session: Session, account_id: int) -> Decimal:
    """Open invoices minus unused credit (credit notes and overpayments): an account whose net balance is
    a credit is never chased."""
    owed = sum((open_balance(session, i) for i in open_invoices(session, account_id)), ZERO)
    credits = session.exec(select(CreditNote).where(CreditNote.account_id == account_id)).all()
    unused_notes = sum((credit_remaining(session, c) for c in credits), ZERO)
    unused_payments = sum(
        (payment_remaining(session, p) for p in _payments_with_credit(session, account_id)), ZERO
    )
    return owed - unused_notes - unused_payments
